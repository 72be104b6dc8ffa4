package awssim

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// DescribeDBInstances paging limits.
const (
	minMaxRecords     = 20
	maxMaxRecords     = 100
	defaultMaxRecords = 100
)

// describeResult is the DescribeDBInstancesResult element.
type describeResult struct {
	XMLName   xml.Name        `xml:"DescribeDBInstancesResult"`
	Instances []xmlDBInstance `xml:"DBInstances>DBInstance"`
	Marker    string          `xml:",omitempty"`
}

// xmlDBInstance is a DBInstance element; field names are the XML names.
type xmlDBInstance struct {
	DBInstanceIdentifier                  string
	DBInstanceClass                       string
	Engine                                string
	DBInstanceStatus                      string
	MasterUsername                        string
	Endpoint                              xmlEndpoint
	AllocatedStorage                      int32
	InstanceCreateTime                    string
	AvailabilityZone                      string
	MultiAZ                               bool
	EngineVersion                         string
	ReadReplicaSourceDBInstanceIdentifier string `xml:",omitempty"`
	DBClusterIdentifier                   string `xml:",omitempty"`
	StorageType                           string
	DbiResourceID                         string `xml:"DbiResourceId"`
	DBInstanceArn                         string
	TagList                               []xmlTag `xml:"TagList>Tag"`
	xmlMonitoring
}

// xmlEndpoint is an Endpoint element.
type xmlEndpoint struct {
	Address      string
	Port         int32
	HostedZoneID string `xml:"HostedZoneId"`
}

// xmlTag is a Tag element.
type xmlTag struct{ Key, Value string }

// rdsFilter is one Filters.Filter of DescribeDBInstances.
type rdsFilter struct {
	name   string
	values []string
}

// describeDBInstances serves DescribeDBInstances: the instances of the
// caller's account in the request's region sorted by identifier,
// MaxRecords (20..100, default 100) a page with Marker paging,
// DBInstanceIdentifier (identifier or ARN; unknown: DBInstanceNotFound) and
// the filters engine, db-instance-id and dbi-resource-id.
func (s *Server) describeDBInstances(form url.Values, _ *http.Request, sc scope) (any, *apiError) {
	filters, e := parseRDSFilters(form, "engine", "db-instance-id", "dbi-resource-id")
	if e != nil {
		return nil, e
	}
	matched, e := s.fleet(sc).describeMatches(form.Get("DBInstanceIdentifier"), filters)
	if e != nil {
		return nil, e
	}
	page, marker, e := pageOf(form, matched)
	if e != nil {
		return nil, e
	}
	res := describeResult{Instances: make([]xmlDBInstance, 0, len(page)), Marker: marker}
	for _, in := range page {
		res.Instances = append(res.Instances, toXMLInstance(in))
	}
	return res, nil
}

// describeMatches returns the instances of the fleet a DescribeDBInstances
// request selects, sorted by identifier.
func (f *fleet) describeMatches(id string, filters []rdsFilter) ([]*instance, *apiError) {
	if id != "" && !f.known(id) {
		return nil, errNotFound("DBInstanceNotFound", "DBInstance", id)
	}
	var out []*instance
	for i := range f.instances {
		in := &f.instances[i]
		if id != "" && id != in.ID && id != in.ARN {
			continue
		}
		if matchesAll(in, filters) {
			out = append(out, in)
		}
	}
	slices.SortFunc(out, func(a, b *instance) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// known reports whether id is the identifier or ARN of an instance of the
// fleet.
func (f *fleet) known(id string) bool {
	return slices.ContainsFunc(f.instances, func(in instance) bool { return in.ID == id || in.ARN == id })
}

// matchesAll reports whether the instance passes every filter.
func matchesAll(in *instance, filters []rdsFilter) bool {
	for _, f := range filters {
		var ok bool
		switch f.name {
		case "engine":
			ok = slices.Contains(f.values, in.Engine)
		case "db-instance-id":
			ok = slices.Contains(f.values, in.ID) || slices.Contains(f.values, in.ARN)
		case "dbi-resource-id":
			ok = slices.Contains(f.values, in.ResourceID)
		}
		if !ok {
			return false
		}
	}
	return true
}

// parseRDSFilters reads Filters.Filter.N.Name and
// Filters.Filter.N.Values.Value.M; names other than allowed are refused.
func parseRDSFilters(form url.Values, allowed ...string) ([]rdsFilter, *apiError) {
	var out []rdsFilter
	for i := 1; ; i++ {
		key := fmt.Sprintf("Filters.Filter.%d", i)
		if !form.Has(key + ".Name") {
			return out, nil
		}
		f := rdsFilter{name: form.Get(key + ".Name"), values: formList(form, key+".Values.Value")}
		switch {
		case !slices.Contains(allowed, f.name):
			return nil, errInvalidParameter(fmt.Sprintf("Unrecognized filter name: %s.", f.name))
		case len(f.values) == 0:
			return nil, errInvalidParameter(fmt.Sprintf("Filter %s must have at least one value.", f.name))
		}
		out = append(out, f)
	}
}

// pageOf returns the page of items that the request's MaxRecords (default
// 100, 20..100) and Marker select, and the Marker of the next page ("" on
// the last).
func pageOf[T any](form url.Values, items []T) ([]T, string, *apiError) {
	limit, e := parseMaxRecords(form.Get("MaxRecords"))
	if e != nil {
		return nil, "", e
	}
	offset, e := parseMarker(form.Get("Marker"))
	if e != nil {
		return nil, "", e
	}
	page, next := pageAt(items, offset, limit)
	if next == 0 {
		return page, "", nil
	}
	return page, encodeMarker(next), nil
}

// errNotFound is RDS's answer for an unknown resource, e.g.
// DBInstanceNotFound "DBInstance x not found.".
func errNotFound(code, what, id string) *apiError {
	return &apiError{status: http.StatusNotFound, code: code, message: fmt.Sprintf("%s %s not found.", what, id)}
}

// parseMaxRecords reads MaxRecords (default 100, 20..100).
func parseMaxRecords(v string) (int, *apiError) {
	n, ok := formInt(v, defaultMaxRecords, minMaxRecords, maxMaxRecords)
	if !ok {
		return 0, errInvalidParameter(fmt.Sprintf("Invalid value %s for MaxRecords. Must be between %d and %d", v, minMaxRecords, maxMaxRecords))
	}
	return n, nil
}

// encodeMarker encodes a page offset as an opaque Marker.
func encodeMarker(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("awssim:" + strconv.Itoa(offset)))
}

// parseMarker decodes a Marker issued by encodeMarker ("" is offset 0).
func parseMarker(m string) (int, *apiError) {
	if m == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(m)
	n, ok := strings.CutPrefix(string(b), "awssim:")
	off, err2 := strconv.Atoi(n)
	if err != nil || !ok || err2 != nil || off < 0 {
		return 0, errInvalidParameter(fmt.Sprintf("Invalid marker: %s", m))
	}
	return off, nil
}

// toXMLInstance converts an instance to its DBInstance element.
func toXMLInstance(in *instance) xmlDBInstance {
	x := xmlDBInstance{
		DBInstanceIdentifier:                  in.ID,
		DBInstanceClass:                       in.Class,
		Engine:                                in.Engine,
		DBInstanceStatus:                      in.Status,
		MasterUsername:                        "admin",
		Endpoint:                              xmlEndpoint{Address: in.Endpoint, Port: in.Port, HostedZoneID: "Z2R2ITUGPM61AM"},
		AllocatedStorage:                      in.AllocatedStorage,
		InstanceCreateTime:                    in.CreateTime.UTC().Format("2006-01-02T15:04:05.000Z"),
		AvailabilityZone:                      in.AvailabilityZone,
		MultiAZ:                               in.MultiAZ,
		EngineVersion:                         in.EngineVersion,
		ReadReplicaSourceDBInstanceIdentifier: in.ReplicaSource,
		DBClusterIdentifier:                   in.ClusterID,
		StorageType:                           in.StorageType,
		DbiResourceID:                         in.ResourceID,
		DBInstanceArn:                         in.ARN,
		xmlMonitoring:                         toXMLMonitoring(in.Monitoring),
	}
	x.TagList = tagList(in.Tags)
	return x
}

// tagList returns tags as a TagList, sorted by key.
func tagList(tags map[string]string) []xmlTag {
	out := make([]xmlTag, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, xmlTag{Key: k, Value: tags[k]})
	}
	return out
}
