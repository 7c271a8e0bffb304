package athena

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/flowtail/flowtail/model"
)

func TestDDLGolden(t *testing.T) {
	since := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	v5 := model.MustParseFormat("${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${tcp-flags} ${pkt-srcaddr} ${flow-direction} ${traffic-path}")
	cases := []struct {
		name string
		d    DDL
	}{
		{"text-default-one-account", DDL{Location: "s3://flow-bucket/prefix/AWSLogs/", Accounts: []string{"123456789012"}, Regions: []string{"us-east-1"}, Since: since}},
		{"text-default-hourly-many", DDL{Location: "s3://flow-bucket/AWSLogs", Accounts: []string{"123456789012", "210987654321"}, Regions: []string{"us-east-1", "eu-west-1"}, Hourly: true, Since: since, Database: "vpclogs", Table: "flows"}},
		{"parquet-hive-hourly", DDL{Location: "s3://flow-bucket/AWSLogs/", Accounts: []string{"123456789012"}, Regions: []string{"us-east-1"}, Parquet: true, Layout: LayoutHive, Hourly: true, Format: v5, Since: since}},
	}
	var b strings.Builder
	for _, c := range cases {
		s, err := c.d.Statement()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		b.WriteString("-- " + c.name + "\n" + s + "\n")
	}
	golden.RequireEqual(t, []byte(b.String()))
}

func TestDDLErrors(t *testing.T) {
	ok := DDL{Location: "s3://bkt/AWSLogs/", Accounts: []string{"123456789012"}, Regions: []string{"us-east-1"}}
	cases := []struct {
		edit func(*DDL)
		want string
	}{
		{func(d *DDL) { d.Location = "/tmp/x" }, "is not an s3://"},
		{func(d *DDL) { d.Location = "s3://bkt/logs/" }, "should end in AWSLogs/"},
		{func(d *DDL) { d.Location = "s3://bkt/AWSLogs/'; DROP" }, "is not an s3://"},
		{func(d *DDL) { d.Accounts = nil }, "--account and --region"},
		{func(d *DDL) { d.Accounts = []string{"12"} }, "12-digit"},
		{func(d *DDL) { d.Regions = []string{"Virginia"} }, "region name"},
		{func(d *DDL) { d.Table = "Flows-1" }, "lower-case"},
	}
	for _, c := range cases {
		d := ok
		c.edit(&d)
		if _, err := d.Statement(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want error with %q, got %v", c.want, err)
		}
	}
	if _, err := ok.Statement(); err != nil {
		t.Fatal(err)
	}
}

// TestDDLMatchesTranslation: the table the DDL makes is one the SQL
// translation prunes by its partitions.
func TestDDLMatchesTranslation(t *testing.T) {
	tb := &Table{Database: "d", Name: "t", Columns: FormatColumns(model.DefaultFormat, false),
		Partitions: []Column{{"accid", "string"}, {"region", "string"}, {"hour", "string"}},
		Params:     map[string]string{"projection.hour.format": "yyyy/MM/dd/HH"}}
	got := translate(t, tb, Options{Since: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), Until: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}, "stats count(*)")
	if !strings.Contains(got, "hour >= '2024/05/01/09'") || !strings.Contains(got, "hour <= '2024/05/01/13'") {
		t.Errorf("hourly projection not bounded:\n%s", got)
	}
}

// TestDDLCustomField: a field flowtail does not know is a string column
// named as the format names it, lower case with '_' for '-'.
func TestDDLCustomField(t *testing.T) {
	d := DDL{Location: "s3://bkt/AWSLogs/", Accounts: []string{"123456789012"}, Regions: []string{"us-east-1"},
		Format: model.MustParseFormat("${version} ${colour} ${Next-hop_type} ${bytes}")}
	s, err := d.Statement()
	if err != nil {
		t.Fatal(err)
	}
	if want := "  `version` int,\n  `colour` string,\n  `next_hop_type` string,\n  `bytes` bigint\n)"; !strings.Contains(s, want) {
		t.Errorf("want\n%s\nin\n%s", want, s)
	}
}
