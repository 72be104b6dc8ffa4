// Package tsdbwriter writes samples as Prometheus TSDB blocks, reports which
// time buckets existing blocks already cover, and reads series back from
// blocks. It knows nothing of AWS: it deals in labels, timestamps in
// milliseconds since the epoch, and float values.
//
// Blocks are written one per aligned window (24h windows aligned to UTC
// midnight by default) into a hidden staging folder inside the output folder
// and renamed into place once complete, so the output folder only ever holds
// complete blocks, whenever the process stops. Prometheus loads only folders
// whose names are ULIDs, so it ignores the staging folder even when the
// output folder is its data folder.
//
// Blocks are written without a TSDB head: a window writer writes chunks
// into the staging folder as they are appended and the index when it
// finishes, so it holds only labels and chunk references in memory.
//
// Writing needs free space on the output folder's file system only: a
// block's chunk segments are ChunkSegmentSize, preallocated one at a time.
// Writer.CheckSpace says whether a Load fits; WriteBlocks checks before
// writing, a window writer's first Append checks the chunk segment it
// starts and Finish the index; a write that runs out of space anyway
// leaves nothing.
//
// Reading (ScanCoverage, ReadSeries) opens blocks read-only and never writes
// into the folders it reads, so it may be pointed at a live Prometheus data
// folder.
package tsdbwriter
