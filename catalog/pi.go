package catalog

// Performance Insights' database load (db.load.avg: average active
// sessions), by wait event and by the top SQL statements. Statements are
// named by their digest (db.sql_tokenized.id), a label of bounded
// cardinality; the text is on an info series with the same digest label,
// so that a panel joins it only where it needs it.

// PIPrefix starts the name of every Performance Insights series.
const PIPrefix = "rds_pi_"

// Names of the Performance Insights series.
const (
	// PILoadByWaitEvent is db.load.avg by wait event (db.wait_event).
	PILoadByWaitEvent = PIPrefix + "db_load_average"
	// PILoadBySQL is db.load.avg by SQL digest (db.sql_tokenized).
	PILoadBySQL = PIPrefix + "sql_db_load_average"
	// PISQLInfo is 1 with the text of each SQL digest.
	PISQLInfo = PIPrefix + "sql_info"
)

// Label names of Performance Insights series besides the identity labels.
const (
	LabelWaitEvent     = "wait_event"      // db.wait_event.name
	LabelWaitEventType = "wait_event_type" // db.wait_event.type
	LabelDigest        = "digest"          // db.sql_tokenized.id
	LabelDigestDBID    = "digest_db_id"    // db.sql_tokenized.db_id
	LabelStatement     = "statement"       // db.sql_tokenized.statement
)

// Performance Insights' metric, dimension groups and dimensions the
// exporter reads.
const (
	PIMetricLoad        = "db.load.avg"
	PIGroupWaitEvent    = "db.wait_event"
	PIGroupSQL          = "db.sql_tokenized"
	PIDimWaitEvent      = "db.wait_event.name"
	PIDimWaitEventType  = "db.wait_event.type"
	PIDimSQLID          = "db.sql_tokenized.id"
	PIDimSQLDBID        = "db.sql_tokenized.db_id"
	PIDimSQLStatement   = "db.sql_tokenized.statement"
	DefaultPIStatements = 10 // top statements by default
	DefaultPIWaitEvents = 10 // top wait events by default
	MaxPIGroupLimit     = 25 // Performance Insights' largest GroupBy Limit
)

// PIMetric describes one Performance Insights series family.
type PIMetric struct {
	Name   string
	Labels []string
	Help   string
}

// PIMetrics returns every Performance Insights series family.
func PIMetrics() []PIMetric {
	return []PIMetric{
		{PILoadByWaitEvent, []string{LabelWaitEvent, LabelWaitEventType},
			"Performance Insights db.load.avg by wait event: average active sessions waiting on it (or on CPU) over the period, for the top wait events; their sum is the database load."},
		{PILoadBySQL, []string{LabelDigest},
			"Performance Insights db.load.avg by SQL digest (db.sql_tokenized.id): average active sessions running the statement, for the top statements by load; rds_pi_sql_info has each digest's text."},
		{PISQLInfo, []string{LabelDigest, LabelDigestDBID, LabelStatement},
			"1 for each SQL digest of rds_pi_sql_db_load_average, with its engine-side ID and its text (the first 500 bytes, as Performance Insights returns it)."},
	}
}

// PIMetricHelp returns the HELP text of a Performance Insights family, ""
// for an unknown name.
func PIMetricHelp(name string) string {
	for _, m := range PIMetrics() {
		if m.Name == name {
			return m.Help
		}
	}
	return ""
}
