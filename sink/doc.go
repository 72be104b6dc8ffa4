// Package sink holds what the backfill's stores share: the HTTP settings a
// remote store is reached with (HTTPConfig) and the hours a store already
// holds per resource (Coverage). Its subpackages are the stores:
// remotewrite sends samples by Prometheus Remote-Write, bucket uploads
// blocks to object storage and reads back what a bucket holds, and
// promcoverage asks any Prometheus-compatible query API which hours it
// holds.
package sink
