package main

import (
	"context"

	"errors"
	"flag"
	"fmt"
	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"strings"
	"time"

	"github.com/flowtail/flowtail/model"
	athenasql "github.com/flowtail/flowtail/model/query/athena"
)

func init() {
	register(&command{
		name:    "athena",
		summary: "print the CREATE EXTERNAL TABLE for querying S3 flow logs with Athena",
		usage: `Usage: flowtail athena ddl --location s3://BUCKET/[PREFIX/]AWSLogs/ --account ID --region R [flags]

Prints the CREATE EXTERNAL TABLE statement AWS recommends for a flow log
delivered to S3, with partition projection (no partitions to add), so that
'flowtail query --on athena --athena-table DB.TABLE' can run on it.

Flags:
  --location S3URL      the prefix the flow log writes under, ending in AWSLogs/
  --account ID          the accounts whose logs are there (repeatable)
  --region R            the regions whose logs are there (repeatable)
  --format FORMAT       the flow log's format (default: the v2 default format)
  --parquet             the flow log writes Parquet (default: text)
  --hive                Hive-compatible prefixes (aws-account-id=…/year=…)
  --hourly              hourly partitions (the flow log's per-hour option)
  --table [DB.]NAME     the table to create (default vpc_flow_logs)
  --since DATE          first day of the projected range (default 2020-01-01)
  --flow-log ID         read the location, format, file format and layout of
                        flow log fl-… with ec2:DescribeFlowLogs (flags given
                        win; --region defaults to the profile's)
  --profile NAME        AWS profile for --flow-log
`,
		run: runAthena,
	})
}

func runAthena(ctx context.Context, args []string, std stdio) int {
	if len(args) == 0 || args[0] != "ddl" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(std.out, commands["athena"].usage)
			return exitOK
		}
		return usageError(std, "athena", errors.New("want a subcommand: ddl"))
	}
	var d athenasql.DDL
	var accounts, regions stringList
	var format, table, since, flowLog string
	var hive bool
	var aws options
	fs := newFlagSet("athena ddl")
	fs.StringVar(&d.Location, "location", "", "")
	fs.Var(&accounts, "account", "")
	fs.Var(&regions, "region", "")
	fs.StringVar(&format, "format", "", "")
	fs.BoolVar(&d.Parquet, "parquet", false, "")
	fs.BoolVar(&hive, "hive", false, "")
	fs.BoolVar(&d.Hourly, "hourly", false, "")
	fs.StringVar(&table, "table", "", "")
	fs.StringVar(&since, "since", "", "")
	fs.StringVar(&flowLog, "flow-log", "", "")
	fs.StringVar(&aws.profile, "profile", "", "")
	pos, err := parseArgs(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(std.out, commands["athena"].usage)
		return exitOK
	}
	if err != nil {
		return usageError(std, "athena ddl", err)
	}
	if len(pos) > 0 {
		return usageError(std, "athena ddl", fmt.Errorf("unexpected argument %q", pos[0]))
	}
	d.Accounts, d.Regions = accounts, regions
	if hive {
		d.Layout = athenasql.LayoutHive
	}
	if format != "" {
		if d.Format, err = model.ParseFormat(format); err != nil {
			return usageError(std, "athena ddl", fmt.Errorf("invalid value for flag --format: %v", err))
		}
	}
	if table != "" {
		if db, name, ok := strings.Cut(table, "."); ok {
			d.Database, d.Table = db, name
		} else {
			d.Table = table
		}
	}
	if since != "" {
		if d.Since, err = time.Parse("2006-01-02", since); err != nil {
			return usageError(std, "athena ddl", fmt.Errorf("invalid value %q for flag --since: want a date such as 2024-01-31", since))
		}
	}
	if flowLog != "" {
		if err := fromFlowLog(ctx, &aws, flowLog, &d, format != "", hive); err != nil {
			fmt.Fprintf(std.err, "flowtail athena ddl: %s\n", cleanCell(err.Error()))
			return exitRuntime
		}
	}
	s, err := d.Statement()
	if err != nil {
		return usageError(std, "athena ddl", err)
	}
	fmt.Fprint(std.out, s)
	return exitOK
}

// fromFlowLog fills what the flow log says about itself: where it writes,
// its format, text or Parquet, Hive-compatible and hourly prefixes.
func fromFlowLog(ctx context.Context, o *options, id string, d *athenasql.DDL, haveFormat, haveHive bool) error {
	cfg, err := loadAWSConfig(ctx, o)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	out, err := ec2.NewFromConfig(cfg).DescribeFlowLogs(cctx, &ec2.DescribeFlowLogsInput{FlowLogIds: []string{id}})
	if err != nil {
		return fmt.Errorf("ec2:DescribeFlowLogs %s: %w", id, err)
	}
	if len(out.FlowLogs) == 0 {
		return fmt.Errorf("no flow log %s in %s", id, cfg.Region)
	}
	fl := out.FlowLogs[0]
	dest := awssdk.ToString(fl.LogDestination)
	bucketPath, ok := strings.CutPrefix(dest, "arn:aws:s3:::")
	if !ok {
		return fmt.Errorf("flow log %s delivers to %q, not to S3", id, dest)
	}
	if d.Location == "" {
		d.Location = "s3://" + strings.TrimSuffix(bucketPath, "/") + "/AWSLogs/"
	}
	if !haveFormat && awssdk.ToString(fl.LogFormat) != "" {
		if d.Format, err = model.ParseFormat(awssdk.ToString(fl.LogFormat)); err != nil {
			return fmt.Errorf("flow log %s: format: %v", id, err)
		}
	}
	if opt := fl.DestinationOptions; opt != nil {
		if opt.FileFormat == ec2types.DestinationFileFormatParquet {
			d.Parquet = true
		}
		if !haveHive && awssdk.ToBool(opt.HiveCompatiblePartitions) {
			d.Layout = athenasql.LayoutHive
		}
		if awssdk.ToBool(opt.PerHourPartition) {
			d.Hourly = true
		}
	}
	if len(d.Regions) == 0 {
		d.Regions = []string{cfg.Region}
	}
	return nil
}
