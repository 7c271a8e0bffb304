package file

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flowtail/flowtail/model"
	"github.com/parquet-go/parquet-go"
)

// awsRow is a record in the schema AWS delivers flow logs to S3 as
// Parquet: underscore names, every column nullable, protocol an INT32
// (as real files carry it), packets, bytes and times INT64.
type awsRow struct {
	Version     *int32  `parquet:"version,optional"`
	AccountID   *string `parquet:"account_id,optional"`
	InterfaceID *string `parquet:"interface_id,optional"`
	Srcaddr     *string `parquet:"srcaddr,optional"`
	Dstaddr     *string `parquet:"dstaddr,optional"`
	Srcport     *int32  `parquet:"srcport,optional"`
	Dstport     *int32  `parquet:"dstport,optional"`
	Protocol    *int32  `parquet:"protocol,optional"`
	Packets     *int64  `parquet:"packets,optional"`
	Bytes       *int64  `parquet:"bytes,optional"`
	Start       *int64  `parquet:"start,optional"`
	End         *int64  `parquet:"end,optional"`
	Action      *string `parquet:"action,optional"`
	LogStatus   *string `parquet:"log_status,optional"`
}

// parquetOf writes twin lines (default format) as an AWS Parquet file,
// "-" as NULL, gzip-compressed pages, several row groups.
func parquetOf(t testing.TB, lines []string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[awsRow](&buf, parquet.Compression(&parquet.Gzip), parquet.MaxRowsPerRowGroup(20))
	for _, l := range lines {
		if _, err := w.Write([]awsRow{rowOf(t, strings.Fields(l))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rowOf is one default-format record's tokens as an AWS Parquet row.
func rowOf(t testing.TB, tok []string) awsRow {
	s := func(i int) *string {
		if tok[i] == "-" {
			return nil
		}
		return &tok[i]
	}
	i32 := func(i int) *int32 {
		if tok[i] == "-" {
			return nil
		}
		v, err := strconv.ParseInt(tok[i], 10, 32)
		if err != nil {
			t.Fatal(err)
		}
		x := int32(v)
		return &x
	}
	i64 := func(i int) *int64 {
		if tok[i] == "-" {
			return nil
		}
		v, err := strconv.ParseInt(tok[i], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	return awsRow{i32(0), s(1), s(2), s(3), s(4), i32(5), i32(6), i32(7), i64(8), i64(9), i64(10), i64(11), s(12), s(13)}
}

// A Parquet file is read back field by field (the twin test compares
// every record); a file whose columns name no field is named as such.
func TestParquetNotFlowLogs(t *testing.T) {
	type other struct {
		Name  string `parquet:"name"`
		Count int64  `parquet:"count"`
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, []other{{"a", 1}}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "other.parquet")
	write(t, path, buf.Bytes())
	_, err := collect(t, New([]string{path}, Options{}))
	if err == nil || !strings.Contains(err.Error(), "a Parquet file whose columns are not flow-log fields") || !strings.Contains(err.Error(), path) {
		t.Fatalf("got %v", err)
	}
	write(t, path, []byte("PAR1 not really"))
	if _, err := collect(t, New([]string{path}, Options{})); err == nil || !strings.Contains(err.Error(), "a Parquet file that cannot be read") {
		t.Fatalf("got %v", err)
	}
}

// Only the columns asked for are read: the lines hold just those fields.
func TestParquetReadsOnlyNeededColumns(t *testing.T) {
	_, lines := twin(t)
	path := filepath.Join(t.TempDir(), "x.parquet")
	write(t, path, parquetOf(t, lines))
	got, err := collect(t, New([]string{path}, Options{Columns: func(id model.FieldID) bool {
		return id == model.FieldDstPort || id == model.FieldAction
	}}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(lines) {
		t.Fatalf("%d rows", len(got))
	}
	for i, g := range got {
		f := strings.Fields(lines[i])
		if want := f[6] + " " + f[12]; g.text != want || g.no != int64(i+1) {
			t.Fatalf("row %d = %q (line %d), want %q", i+1, g.text, g.no, want)
		}
	}
	_ = os.Remove(path)
}

// A read that names no field still counts every row.
func TestParquetNoColumnsNeeded(t *testing.T) {
	_, lines := twin(t)
	path := filepath.Join(t.TempDir(), "x.parquet")
	write(t, path, parquetOf(t, lines))
	got, err := collect(t, New([]string{path}, Options{Columns: func(model.FieldID) bool { return false }}))
	if err != nil || len(got) != len(lines) {
		t.Fatalf("%d rows, %v", len(got), err)
	}
}
