package model

// Event is one raw line and where it came from. Line points into the
// batch's buffer and is valid only while the batch is being ingested.
type Event struct {
	Line      []byte
	Origin    string // file path, "-" for stdin, or the log group
	Stream    string // CloudWatch log stream (the ENI id for flow logs)
	EventID   string // CloudWatch event id, for de-duplication upstream
	LineNo    int64  // 1-based line number within a file, 0 when not a file
	Timestamp int64  // CloudWatch event time (ms), 0 when unknown
	Ingestion int64  // CloudWatch ingestion time (ms), 0 when unknown
}

// Batch is what a source hands over at once: many events, so the program
// never pays a message or a lock per record.
type Batch struct {
	Events []Event
	// Format, when set, is the field order for every event of the batch
	// (from --format, DescribeFlowLogs, or a file header already read).
	Format *Format
}
