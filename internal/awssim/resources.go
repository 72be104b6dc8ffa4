package awssim

import (
	"fmt"
	"strings"
	"time"
)

// owner is what the data of one resource's own series derives from.
type owner struct {
	hash  uint64
	load  float64 // activity factor of load-driven metrics, 0.4..1.6
	phase float64 // shift of the daily cycle, in days (0..0.25)
	// What levels scale with: memory and storage in GiB, vCPUs, the
	// maximum capacity in ACUs (Aurora Serverless v2), creation time.
	memGiB     float64
	storageGiB float64
	vcpus      float64
	acuMax     float64
	born       int64
	// gaps is true for instances with stopped windows.
	gaps bool
}

// newOwner returns the owner of a resource with hash h: its activity and
// daily phase derive from h.
func newOwner(h uint64, born time.Time) owner {
	return owner{
		hash:  h,
		load:  0.4 + 1.2*unit(hash2(h, 1)),
		phase: 0.25 * unit(hash2(h, 2)),
		born:  born.Unix(),
	}
}

// derived returns an owner for one slice of a resource's traffic (an
// RDS Proxy's target role): its own noise, a share of the load.
func (o owner) derived(key string, share float64) owner {
	o.hash = hash2(o.hash, strHash(key))
	o.load *= share
	return o
}

// rdsARN returns the ARN of an RDS resource of a scope: kind is "db",
// "cluster" or "db-proxy".
func rdsARN(sc scope, kind, id string) string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:%s:%s", sc.region, sc.account, kind, id)
}

// createTime returns a creation time in 2023-2024 chosen by h.
func createTime(h uint64) time.Time {
	return time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(h%700) * 24 * time.Hour)
}

// tags returns the tags of a resource: Name, and env and team chosen by h.
func tags(id string, h uint64) map[string]string {
	return map[string]string{
		"Name": id,
		"env":  pick([]string{"prod", "prod", "staging", "dev"}, hash2(h, 10)),
		"team": pick([]string{"payments", "search", "platform", "analytics"}, hash2(h, 11)),
	}
}

// base32Upper is the alphabet of AWS resource and key IDs.
const base32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// hexLower is the alphabet of hexadecimal IDs.
const hexLower = "0123456789abcdef"

// hashChars returns n characters of alphabet chosen by h.
func hashChars(h uint64, n int, alphabet string) string {
	var b strings.Builder
	b.Grow(n)
	for i := range n {
		b.WriteByte(alphabet[hash2(h, uint64(100+i))%uint64(len(alphabet))])
	}
	return b.String()
}

// endpointHost returns the DNS name of an endpoint of a resource:
// "<name>.<infix><12 characters>.<region>.rds.amazonaws.com".
func endpointHost(name, infix string, h uint64, region string) string {
	return fmt.Sprintf("%s.%s%s.%s.rds.amazonaws.com", name, infix, hashChars(hash2(h, 8), 12, "abcdefghijklmnopqrstuvwxyz0123456789"), region)
}
