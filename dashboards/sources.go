package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/units"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
)

// Hold windows of the sources' series: how long a sample is carried
// forward. Enhanced Monitoring history has a sample every 1 to 60 s, live
// ones one per read (1 minute by default); Performance Insights history
// has one per minute up to 7 days back, one per 5 minutes or hour beyond.
const (
	osHoldWindow = "5m"
	piHoldWindow = "1h"
)

// sourcesNote explains the queries of the sources' panels.
const sourcesNote = "History comes from the backfill (`?source=enhanced-monitoring` or `performance-insights`: " +
	"every Enhanced Monitoring event, Performance Insights by the minute) and from live reads, which the exporter " +
	"serves with the time AWS took them. `last_over_time(...)` carries each sample forward over the source's " +
	"spacing (" + osHoldWindow + " for Enhanced Monitoring, " + piHoldWindow + " for Performance Insights, whose " +
	"history older than a week is per 5 minutes or hour), so that history and live values draw as one line at " +
	"any step, and `max by (" + byInstance + ", ...)` joins the live and backfilled series of an instance. " +
	"Instances without the source (Enhanced Monitoring or Performance Insights off) have no line."

// osRow is the OS of the selected instances, from Enhanced Monitoring.
func osRow() row {
	return row{title: "OS (Enhanced Monitoring, opt-in: enhanced_monitoring in the config)", panels: []cog.Builder[dashboard.Panel]{
		sourceGraph("CPU by mode", "Share of CPU time in each mode but idle: user, system, I/O wait, steal (time "+
			"another VM took), nice, irq, guest. Their sum is the CPU utilization; wait and steal are what "+
			"CloudWatch's CPUUtilization hides.", units.Percent,
			osLine(catalog.OSCPUUtilization, catalog.LabelMode, `, mode!="idle"`, " {{mode}}")),
		sourceGraph("Load average", "Processes running or waiting for a CPU, averaged over 1 and 15 minutes; "+
			"above the vCPU count, work queues.", units.Short,
			osLine(catalog.OSLoad1, "", "", " 1m"), osLine(catalog.OSLoad15, "", "", " 15m"), osLine(catalog.OSVCPUs, "", "", " vCPUs")),
		sourceGraph("Memory", "Total, free, and used as file cache by the OS; the engine's own buffers are "+
			"part of active.", units.BytesIEC,
			osLine(catalog.OSMemoryTotal, "", "", " total"), osLine(catalog.OSMemoryActive, "", "", " active"),
			osLine(catalog.OSMemoryCached, "", "", " cached"), osLine(catalog.OSMemoryFree, "", "", " free")),
		sourceGraph("Disk operations by device", "Read and write operations per second of each block device "+
			"(rdsdev: data, filesystem: logs) or of an Aurora instance's cluster volume.", units.IOOpsPerSecond,
			osLine(catalog.OSDiskReadIOPS, catalog.LabelDevice, "", " {{device}} read"),
			osLine(catalog.OSDiskWriteIOPS, catalog.LabelDevice, "", " {{device}} write")),
		sourceGraph("Disk wait by device", "Time a block device takes to answer a request, queueing "+
			"included (await).", units.Seconds,
			osLine(catalog.OSDiskAwait, catalog.LabelDevice, "", " {{device}}")),
		sourceGraph("File system use", "Share of each file system's space in use.", units.PercentUnit,
			query{expr: fmt.Sprintf("%s / %s", osContinuous(catalog.OSFilesystemUsed, catalog.LabelMountpoint, ""),
				osContinuous(catalog.OSFilesystemSize, catalog.LabelMountpoint, "")),
				legend: "{{" + catalog.LabelInstanceID + "}} {{mountpoint}}"}),
		sourceGraph("Network by interface", "Bytes received and sent per second by each network interface.", units.BytesPerSecondSI,
			osLine(catalog.OSNetworkReceive, catalog.LabelInterface, "", " {{interface}} receive"),
			osLine(catalog.OSNetworkTransmit, catalog.LabelInterface, "", " {{interface}} transmit")),
		sourceGraph("Processes", "CPU used by the database engine's processes (RDS processes) and by the "+
			"rest of the OS.", units.Percent,
			osLine(catalog.OSProcessesCPU, catalog.LabelProcess, "", " {{process}}")),
	}}
}

// dbLoadRow is the database load of the selected instances, from
// Performance Insights.
func dbLoadRow() row {
	sqlByDigest := piContinuous(catalog.PILoadBySQL, catalog.LabelDigest)
	return row{title: "Database load (Performance Insights, opt-in: performance_insights in the config)", panels: []cog.Builder[dashboard.Panel]{
		sourceGraph("Database load by wait event", "Average active sessions by what they wait on (CPU, I/O, locks, "+
			"client...), the top wait events of each instance; their sum is the database load. Above the vCPU "+
			"count, sessions queue.", units.Short,
			query{expr: piContinuous(catalog.PILoadByWaitEvent, catalog.LabelWaitEvent),
				legend: "{{" + catalog.LabelInstanceID + "}} {{wait_event}}"}),
		sourceGraph("Database load by top SQL", "Average active sessions running each of the instance's top "+
			"statements, by digest; the table beside gives their text.", units.Short,
			query{expr: sqlByDigest, legend: "{{" + catalog.LabelInstanceID + "}} {{digest}}"}),
		grid(spec{
			title: "Top SQL over the range",
			description: "The statements with the most database load over the dashboard's range, with their " +
				"text (the first 500 bytes, as Performance Insights keeps it).\n\n" + sourcesNote,
			unit: units.Short, width: 24,
			queries: []query{{column: "average active sessions", expr: fmt.Sprintf(
				"topk(20, avg_over_time((%s)[$__range:5m]) * on (%s, %s) group_left (%s) max by (%s, %s, %s) (last_over_time(%s[$__range])))",
				sqlByDigest, byInstance, catalog.LabelDigest, catalog.LabelStatement,
				byInstance, catalog.LabelDigest, catalog.LabelStatement, selector(catalog.PISQLInfo))}},
		}, catalog.LabelAccountID, catalog.LabelRegion),
	}}
}

// osLine draws one Enhanced Monitoring family, one line per instance and
// value of by (if any), with extra matchers and a legend suffix.
func osLine(name, by, matchers, legend string) query {
	return query{expr: osContinuous(name, by, matchers), legend: "{{" + catalog.LabelInstanceID + "}}" + legend}
}

// osContinuous returns one gap-free series per instance (and value of by)
// of an Enhanced Monitoring family.
func osContinuous(name, by, matchers string) string {
	sel := selector(name)
	sel = sel[:len(sel)-1] + matchers + "}"
	return fmt.Sprintf("max by (%s) (last_over_time(%s[%s]))", joinBy(by), sel, osHoldWindow)
}

// piContinuous returns one gap-free series per instance and value of by of
// a Performance Insights family.
func piContinuous(name, by string) string {
	return fmt.Sprintf("max by (%s) (last_over_time(%s[%s]))", joinBy(by), selector(name), piHoldWindow)
}

// joinBy is byInstance and by, if any.
func joinBy(by string) string {
	if by == "" {
		return byInstance
	}
	return byInstance + ", " + by
}

// sourceGraph draws queries of the sources' series.
func sourceGraph(title, about, unit string, queries ...query) cog.Builder[dashboard.Panel] {
	return graph(spec{title: title, description: about + "\n\n" + sourcesNote, unit: unit, queries: queries})
}
