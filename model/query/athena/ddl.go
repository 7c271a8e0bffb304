package athena

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/flowtail/flowtail/model"
)

// Layout is how a flow log files its S3 objects.
type Layout uint8

// The S3 layouts a flow log can write.
const (
	// LayoutDefault: AWSLogs/{account}/vpcflowlogs/{region}/yyyy/MM/dd/.
	LayoutDefault Layout = iota
	// LayoutHive: AWSLogs/aws-account-id=…/aws-service=vpcflowlogs/
	// aws-region=…/year=…/month=…/day=…/.
	LayoutHive
)

// DDL describes the table to create for a flow log's S3 location.
type DDL struct {
	Database, Table string
	// Location is the s3:// prefix ending in AWSLogs/.
	Location string
	Format   *model.Format
	Parquet  bool
	Layout   Layout
	// Hourly: the flow log writes hourly folders.
	Hourly bool
	// Accounts and Regions the flow logs come from: with one of each they
	// become part of the location, with more they are projected partitions.
	Accounts, Regions []string
	// Since is where partition projection's date range starts.
	Since time.Time
}

var (
	s3Location = regexp.MustCompile(`^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/[^'\\]*)?$`)
	accountID  = regexp.MustCompile(`^[0-9]{12}$`)
	regionName = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	tableName  = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
)

// Statement is the CREATE EXTERNAL TABLE statement AWS recommends for the
// flow log, with partition projection so that no partition needs adding.
func (d *DDL) Statement() (string, error) {
	loc := d.Location
	if !s3Location.MatchString(loc) {
		return "", fmt.Errorf("athena ddl: --location %q is not an s3://bucket/…/AWSLogs/ location", loc)
	}
	if !strings.HasSuffix(loc, "/") {
		loc += "/"
	}
	if !strings.HasSuffix(loc, "AWSLogs/") {
		return "", fmt.Errorf("athena ddl: --location %q should end in AWSLogs/ (the prefix the flow log writes under)", d.Location)
	}
	if len(d.Accounts) == 0 || len(d.Regions) == 0 {
		return "", fmt.Errorf("athena ddl: name the flow logs' --account and --region (each repeatable): partition projection needs them")
	}
	for _, a := range d.Accounts {
		if !accountID.MatchString(a) {
			return "", fmt.Errorf("athena ddl: --account %q is not a 12-digit account id", a)
		}
	}
	for _, r := range d.Regions {
		if !regionName.MatchString(r) {
			return "", fmt.Errorf("athena ddl: --region %q is not a region name such as us-east-1", r)
		}
	}
	name := d.Table
	if name == "" {
		name = "vpc_flow_logs"
	}
	if !tableName.MatchString(name) || d.Database != "" && !tableName.MatchString(d.Database) {
		return "", fmt.Errorf("athena ddl: table and database names take lower-case letters, digits and _")
	}
	f := d.Format
	if f == nil {
		f = model.DefaultFormat
	}
	since := d.Since
	if since.IsZero() {
		since = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	var b strings.Builder
	b.WriteString("CREATE EXTERNAL TABLE IF NOT EXISTS ")
	if d.Database != "" {
		b.WriteString("`" + d.Database + "`.")
	}
	b.WriteString("`" + name + "` (\n")
	for i, c := range FormatColumns(f, d.Parquet) {
		sep := ","
		if i == len(f.Fields)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "  `%s` %s%s\n", c.Name, c.Type, sep)
	}
	b.WriteString(")\n")

	props := [][2]string{}
	if !d.Parquet {
		props = append(props, [2]string{"skip.header.line.count", "1"})
	}
	props = append(props, [2]string{"projection.enabled", "true"})
	var parts []string
	template := loc
	enum := func(col string, values []string) {
		parts = append(parts, "`"+col+"` string")
		props = append(props, [2]string{"projection." + col + ".type", "enum"}, [2]string{"projection." + col + ".values", strings.Join(values, ",")})
	}
	integer := func(col, lo, hi, digits string) {
		parts = append(parts, "`"+col+"` string")
		props = append(props, [2]string{"projection." + col + ".type", "integer"}, [2]string{"projection." + col + ".range", lo + "," + hi}, [2]string{"projection." + col + ".digits", digits})
	}
	switch d.Layout {
	case LayoutHive:
		template += "aws-account-id=${aws-account-id}/aws-service=vpcflowlogs/aws-region=${aws-region}/year=${year}/month=${month}/day=${day}"
		enum("aws-account-id", d.Accounts)
		enum("aws-region", d.Regions)
		integer("year", fmt.Sprint(since.Year()), "2099", "4")
		integer("month", "1", "12", "2")
		integer("day", "1", "31", "2")
		if d.Hourly {
			template += "/hour=${hour}"
			integer("hour", "0", "23", "2")
		}
	default:
		if len(d.Accounts) == 1 && len(d.Regions) == 1 {
			loc += d.Accounts[0] + "/vpcflowlogs/" + d.Regions[0] + "/"
			template = loc
		} else {
			template += "${accid}/vpcflowlogs/${region}/"
			enum("accid", d.Accounts)
			enum("region", d.Regions)
		}
		col, format, unit := "day", "yyyy/MM/dd", "DAYS"
		if d.Hourly {
			col, format, unit = "hour", "yyyy/MM/dd/HH", "HOURS"
		}
		template += "${" + col + "}"
		parts = append(parts, "`"+col+"` string")
		props = append(props,
			[2]string{"projection." + col + ".type", "date"},
			[2]string{"projection." + col + ".range", since.UTC().Format(javaLayout(format)) + ",NOW"},
			[2]string{"projection." + col + ".format", format},
			[2]string{"projection." + col + ".interval", "1"},
			[2]string{"projection." + col + ".interval.unit", unit})
	}
	props = append(props, [2]string{"storage.location.template", template})
	b.WriteString("PARTITIONED BY (" + strings.Join(parts, ", ") + ")\n")
	if d.Parquet {
		b.WriteString("ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'\n")
		b.WriteString("STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'\n")
		b.WriteString("OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'\n")
	} else {
		b.WriteString("ROW FORMAT DELIMITED\nFIELDS TERMINATED BY ' '\n")
	}
	b.WriteString("LOCATION '" + loc + "'\nTBLPROPERTIES (\n")
	for i, p := range props {
		sep := ","
		if i == len(props)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "  '%s' = '%s'%s\n", p[0], p[1], sep)
	}
	b.WriteString(");\n")
	return b.String(), nil
}

func javaLayout(f string) string {
	return strings.NewReplacer("yyyy", "2006", "MM", "01", "dd", "02", "HH", "15").Replace(f)
}
