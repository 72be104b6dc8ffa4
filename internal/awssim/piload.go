package awssim

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Performance Insights dimension groups awssim simulates.
const (
	piGroupWaitEvent     = "db.wait_event"
	piGroupWaitEventType = "db.wait_event_type"
	piGroupSQLTokenized  = "db.sql_tokenized"
	piGroupUser          = "db.user"
	piGroupHost          = "db.host"
	piGroupDB            = "db"
)

// piMaxElementBytes is how much of a dimension value Performance Insights
// returns: longer ones (SQL text) are cut to their first 500 bytes.
const piMaxElementBytes = 500

// PIKey is one dimension key of a Performance Insights dimension group on
// an instance: the values of the group's dimensions, e.g.
// {"db.wait_event.name": "IO:DataFileRead", "db.wait_event.type": "IO"}.
// Values are complete (SQL text is not cut to 500 bytes here).
type PIKey struct {
	Group      string
	Dimensions map[string]string
}

// piGroupDimensions returns the dimensions of a group, its identifying one
// first; nil for groups awssim does not simulate.
func piGroupDimensions(group string) []string {
	switch group {
	case piGroupWaitEvent:
		return []string{"db.wait_event.name", "db.wait_event.type"}
	case piGroupWaitEventType:
		return []string{"db.wait_event_type.name"}
	case piGroupSQLTokenized:
		return []string{"db.sql_tokenized.id", "db.sql_tokenized.db_id", "db.sql_tokenized.statement"}
	case piGroupUser:
		return []string{"db.user.id", "db.user.name"}
	case piGroupHost:
		return []string{"db.host.id", "db.host.name"}
	case piGroupDB:
		return []string{"db.name"}
	}
	return nil
}

// piKeyDef is a key with the weight of its share of the load.
type piKeyDef struct {
	dims   map[string]string
	weight float64 // mean share before normalization
	hash   uint64
}

// piKeys returns the keys of a group on the instance; for
// db.wait_event_type they are the types of its wait events.
func (s *Server) piKeys(in *instance, group string) []piKeyDef {
	var rows [][]string
	switch group {
	case piGroupWaitEvent:
		rows = waitEvents(in.engine.bit)
	case piGroupWaitEventType:
		for _, ev := range waitEvents(in.engine.bit) {
			if !slices.ContainsFunc(rows, func(r []string) bool { return r[0] == ev[1] }) {
				rows = append(rows, []string{ev[1]})
			}
		}
	case piGroupSQLTokenized:
		rows = sqlDigests(in.engine.bit)
	case piGroupUser:
		rows = [][]string{{"16384", "app"}, {"16390", "reporting"}, {"16401", "etl"}, {"10", "rdsadmin"}, {"16385", "migrations"}}
	case piGroupHost:
		rows = [][]string{{"host-0a000c22", "10.0.12.34"}, {"host-0a000c23", "10.0.12.35"}, {"host-0a002c07", "10.0.44.7"}, {"host-0a002c08", "10.0.44.8"}, {"host-local", "localhost"}}
	case piGroupDB:
		rows = [][]string{{"appdb"}, {"reporting"}, {"postgres"}}
	}
	dims := piGroupDimensions(group)
	out := make([]piKeyDef, len(rows))
	for i, row := range rows {
		h := hash3(in.hash, strHash(group), strHash(row[0]))
		out[i] = piKeyDef{dims: map[string]string{}, hash: h, weight: math.Pow(float64(i+1), -1.1) * (0.6 + 0.8*unit(h))}
		for j, d := range dims {
			out[i].dims[d] = row[j]
		}
	}
	return out
}

// waitEvents returns an engine's wait events: name and type.
func waitEvents(e engineSet) [][]string {
	if e&(engMy|engAMy) != 0 {
		evs := [][]string{
			{"CPU", "CPU"}, {"wait/io/table/sql/handler", "io"}, {"wait/io/file/innodb/innodb_data_file", "io"},
			{"wait/synch/mutex/innodb/buf_pool_mutex", "synch"}, {"wait/io/socket/sql/client_connection", "io"},
			{"wait/lock/table/sql/handler", "lock"}, {"wait/synch/sxlock/innodb/hash_table_locks", "synch"},
			{"wait/io/file/innodb/innodb_log_file", "io"},
		}
		if e == engineAuroraMySQL {
			evs[len(evs)-1] = []string{"wait/io/aurora_redo_log_flush", "io"}
		}
		return evs
	}
	evs := [][]string{
		{"CPU", "CPU"}, {"IO:DataFileRead", "IO"}, {"Client:ClientRead", "Client"}, {"LWLock:BufferMapping", "LWLock"},
		{"Lock:transactionid", "Lock"}, {"IO:WALWrite", "IO"}, {"LWLock:WALWrite", "LWLock"}, {"Timeout:VacuumDelay", "Timeout"},
	}
	if e == engineAuroraPostgres {
		evs = append(evs, []string{"IO:XactSync", "IO"})
	}
	return evs
}

// sqlDigests returns an engine family's SQL digests: Performance Insights'
// id, the engine's id and the tokenized text. One text is longer than 500
// bytes, as real digests of long IN lists are.
func sqlDigests(e engineSet) [][]string {
	ph := func(i int) string { return "$" + strconv.Itoa(i) }
	if e&(engMy|engAMy) != 0 {
		ph = func(int) string { return "?" }
	}
	long := "SELECT o.id, o.customer_id, o.status, o.total, o.created_at FROM orders o WHERE o.customer_id IN (" +
		strings.Repeat(ph(1)+", ", 120) + ph(2) + ") ORDER BY o.created_at DESC LIMIT " + ph(3)
	texts := []string{
		"SELECT * FROM orders WHERE customer_id = " + ph(1) + " ORDER BY created_at DESC LIMIT " + ph(2),
		"UPDATE accounts SET balance = balance - " + ph(1) + " WHERE id = " + ph(2),
		"INSERT INTO events (kind, payload, created_at) VALUES (" + ph(1) + ", " + ph(2) + ", now())",
		long,
		"SELECT count(*) FROM sessions WHERE expires_at > " + ph(1),
		"DELETE FROM carts WHERE updated_at < " + ph(1),
		"SELECT p.id, p.name, s.qty FROM products p JOIN stock s ON s.product_id = p.id WHERE p.category = " + ph(1),
		"COMMIT",
		"SELECT id FROM jobs WHERE state = " + ph(1) + " FOR UPDATE SKIP LOCKED LIMIT " + ph(2),
		"UPDATE jobs SET state = " + ph(1) + ", finished_at = now() WHERE id = " + ph(2),
		"SELECT sum(total) FROM orders WHERE created_at >= " + ph(1) + " GROUP BY status",
		"INSERT INTO audit_log (actor, action, at) VALUES (" + ph(1) + ", " + ph(2) + ", " + ph(3) + ")",
		"SELECT * FROM users WHERE email = " + ph(1),
		"VACUUM ANALYZE orders",
	}
	out := make([][]string, len(texts))
	for i, t := range texts {
		h := strHash(t)
		dbID := fmt.Sprintf("pi-%d", uint32(h))
		if e&(engMy|engAMy) != 0 {
			dbID = fmt.Sprintf("%016x%016x%016x%016x", h, hash2(h, 1), hash2(h, 2), hash2(h, 3))
		}
		out[i] = []string{strings.ToUpper(fmt.Sprintf("%016x%016x%08x", hash2(h, 4), hash2(h, 5), uint32(hash2(h, 6)))), dbID, t}
	}
	return out
}

// piPeriods are the periods Performance Insights aggregates to, in
// seconds.
func piPeriods() []int64 { return []int64{1, 60, 300, 3600, 86400} }

// piAutoPeriod returns the period Performance Insights picks when a
// request gives none: the finest that keeps a range of span seconds to at
// most 200 data points (its goal is "roughly 100-200").
func piAutoPeriod(span int64) int64 {
	for _, p := range piPeriods() {
		if span/p <= 200 {
			return p
		}
	}
	return day
}

// piAvailable reports whether Performance Insights has a data point for
// the period of per seconds starting at a on the instance: the period is
// over at Now, starts within the retention and the instance ran in it.
func (s *Server) piAvailable(in *instance, a, per int64) bool {
	now := s.opts.Now().Unix()
	return a+per <= now && a >= now-int64(in.PerformanceInsightsRetentionPeriod)*day &&
		(!in.HasGaps || !s.inGap(&in.owner, a, per))
}

// piTotal is db.load.avg of the instance over the period of per seconds
// starting at a: average active sessions, scaled to the instance, on a
// daily cycle, with noise that shrinks as periods grow.
func (s *Server) piTotal(in *instance, a, per int64) float64 {
	mid := float64(a) + float64(per)/2
	h := hash3(in.hash^0x9e, uint64(a), uint64(per)^s.seedHash)
	noise := math.Min(0.6, 0.25*math.Sqrt(60/float64(per)))
	return math.Max(0, 1.6*in.load*(1+0.5*dailyCycle(mid, in.phase))*(1+noise*signed(h)))
}

// piShares returns each key's share of the load over the period: its
// weight, varied per period and on a daily cycle of its own, normalized
// to sum to 1.
func piShares(keys []piKeyDef, a, per int64) []float64 {
	out := make([]float64, len(keys))
	sum := 0.0
	for i, k := range keys {
		mid := float64(a) + float64(per)/2
		out[i] = k.weight * (1 + 0.35*signed(hash3(k.hash, uint64(a), uint64(per)))) * (1 + 0.2*dailyCycle(mid, unit(k.hash)))
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}

// piValues returns db.load.avg of every key of the group over the period.
// Wait event types add up the events of their type.
func (s *Server) piValues(in *instance, group string, keys []piKeyDef, a, per int64) []float64 {
	if group != piGroupWaitEventType {
		total := s.piTotal(in, a, per)
		out := piShares(keys, a, per)
		for i := range out {
			out[i] *= total
		}
		return out
	}
	events := s.piKeys(in, piGroupWaitEvent)
	byEvent := s.piValues(in, piGroupWaitEvent, events, a, per)
	out := make([]float64, len(keys))
	for i, k := range keys {
		for j, ev := range events {
			if ev.dims["db.wait_event.type"] == k.dims["db.wait_event_type.name"] {
				out[i] += byEvent[j]
			}
		}
	}
	return out
}

// piRank returns the indices of the keys sorted by their mean load over
// [a, b), largest first (ties by index): the order of Performance
// Insights' top N. The means are taken at the period piAutoPeriod picks
// for the range, over the periods with data.
func (s *Server) piRank(in *instance, group string, keys []piKeyDef, a, b int64) ([]int, []float64) {
	per := piAutoPeriod(b - a)
	totals := make([]float64, len(keys))
	n := 0
	for t := floorDiv(a, per) * per; t < b; t += per {
		if !s.piAvailable(in, t, per) {
			continue
		}
		n++
		for i, v := range s.piValues(in, group, keys, t, per) {
			totals[i] += v
		}
	}
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
		if n > 0 {
			totals[i] /= float64(n)
		}
	}
	slices.SortStableFunc(idx, func(x, y int) int { return cmp.Compare(totals[y], totals[x]) })
	return idx, totals
}

// PIKeys returns the dimension keys of a group on the instance with the
// given ARN (in any account and region of the simulator), all of them, in the simulator's order; nil for an unknown instance, an instance
// without Performance Insights, or a group awssim does not simulate
// (db.wait_event, db.wait_event_type, db.sql_tokenized, db.user, db.host
// and db are).
func (s *Server) PIKeys(arn, group string) []PIKey {
	in, ok := s.instanceOfARN(arn)
	if !ok || !in.PerformanceInsightsEnabled {
		return nil
	}
	var out []PIKey
	for _, k := range s.piKeys(in, group) {
		out = append(out, PIKey{Group: group, Dimensions: maps.Clone(k.dims)})
	}
	return out
}

// PILoad is the data function of Performance Insights: db.load.avg of the
// instance with the given ARN (in any account and region) over the period that starts at start, for the key (nil: the
// instance's total). ok is false where Performance Insights has no data
// point: unknown instance or key, Performance Insights off, a period other
// than 1 s, 1 min, 5 min, 1 h or 1 day, a start not aligned to it, a
// period not over at Now, one that starts before the retention, or one
// that lies in a stopped window. GetResourceMetrics serves exactly these
// values.
func (s *Server) PILoad(arn string, key *PIKey, start time.Time, period time.Duration) (float64, bool) {
	src, ok := s.piSource(arn, key, period)
	a := start.Unix()
	if !ok || start.Nanosecond() != 0 || floorMod(a, src.per) != 0 || !s.piAvailable(src.in, a, src.per) {
		return 0, false
	}
	return src.value(s, a), true
}

// PIPoint is a data point of PILoadSeries: the start of its period and
// db.load.avg over it.
type PIPoint struct {
	Start time.Time
	Value float64
}

// PILoadSeries returns PILoad of every period of the given length that
// starts in [from, to), from aligned down to the period, and has a data
// point.
func (s *Server) PILoadSeries(arn string, key *PIKey, from, to time.Time, period time.Duration) []PIPoint {
	src, ok := s.piSource(arn, key, period)
	if !ok {
		return nil
	}
	var out []PIPoint
	for a := floorDiv(from.Unix(), src.per) * src.per; a < to.Unix(); a += src.per {
		if s.piAvailable(src.in, a, src.per) {
			out = append(out, PIPoint{Start: time.Unix(a, 0).UTC(), Value: src.value(s, a)})
		}
	}
	return out
}

// piSource is a series of the oracle: an instance's total or one key.
type piSource struct {
	in    *instance
	group string
	keys  []piKeyDef
	key   int // -1 for the total
	per   int64
}

// piSource resolves an oracle series; ok is false for an unknown
// instance or key, Performance Insights off or a period PI does not have.
func (s *Server) piSource(arn string, key *PIKey, period time.Duration) (piSource, bool) {
	in, ok := s.instanceOfARN(arn)
	per := int64(period / time.Second)
	if !ok || !in.PerformanceInsightsEnabled || !slices.Contains(piPeriods(), per) || time.Duration(per)*time.Second != period {
		return piSource{}, false
	}
	src := piSource{in: in, key: -1, per: per}
	if key == nil {
		return src, true
	}
	src.group, src.keys = key.Group, s.piKeys(in, key.Group)
	src.key = slices.IndexFunc(src.keys, func(k piKeyDef) bool { return maps.Equal(k.dims, key.Dimensions) })
	return src, src.key >= 0
}

// value returns the series' value over the period starting at a.
func (src piSource) value(s *Server, a int64) float64 {
	if src.key < 0 {
		return s.piTotal(src.in, a, src.per)
	}
	return s.piValues(src.in, src.group, src.keys, a, src.per)[src.key]
}

// PITopKeys returns the n keys of the group with the most load over
// [start, end) on the instance with the given ARN, most first: what DescribeDimensionKeys and
// a GetResourceMetrics GroupBy with Limit n return for that range.
func (s *Server) PITopKeys(arn, group string, start, end time.Time, n int) []PIKey {
	in, ok := s.instanceOfARN(arn)
	if !ok || !in.PerformanceInsightsEnabled {
		return nil
	}
	keys := s.piKeys(in, group)
	idx, _ := s.piRank(in, group, keys, start.Unix(), end.Unix())
	var out []PIKey
	for _, i := range idx[:min(n, len(idx))] {
		out = append(out, PIKey{Group: group, Dimensions: maps.Clone(keys[i].dims)})
	}
	return out
}
