package cli

import (
	"context"

	"fmt"
	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/spf13/cobra"
	"strings"
	"time"

	"github.com/flowtail/flowtail/model"
	athenasql "github.com/flowtail/flowtail/model/query/athena"
)

// ddlFlags are what `athena ddl` reads.
type ddlFlags struct {
	location, format, table, since, flowLog string
	accounts, regions                       []string
	parquet, hive, hourly                   bool
	aws                                     options
}

// newAthenaCmd is `flowtail athena`, whose one subcommand is ddl.
func newAthenaCmd(std stdio) *cobra.Command {
	c := &cobra.Command{
		Use:   "athena",
		Short: "print the CREATE EXTERNAL TABLE for querying S3 flow logs with Athena",
		Args:  cobra.NoArgs,
	}
	f := &ddlFlags{}
	ddl := &cobra.Command{
		Use:   "ddl --location s3://BUCKET/[PREFIX/]AWSLogs/ --account ID --region R [flags]",
		Short: "print the CREATE EXTERNAL TABLE AWS recommends for a flow log in S3",
		Long: `Prints the CREATE EXTERNAL TABLE statement AWS recommends for a flow log
delivered to S3, with partition projection (no partitions to add), so that
'flowtail query --on athena --athena-table DB.TABLE' can run on it: text
or Parquet (protocol int), default or Hive-compatible prefixes, daily or
hourly. --flow-log reads all of that from ec2:DescribeFlowLogs.`,
		Example: `  flowtail athena ddl --location s3://my-flows/AWSLogs/ --account 123456789012 --region us-east-1
  flowtail athena ddl --flow-log fl-0123456789abcdef0 --account 123456789012 --table vpclogs.flows`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return exit(runAthenaDDL(c.Context(), f, std))
		},
	}
	fs := ddl.Flags()
	fs.StringVar(&f.location, "location", "", "the S3URL prefix the flow log writes under, ending in AWSLogs/")
	fs.StringArrayVar(&f.accounts, "account", nil, "an account ID whose logs are there (repeatable)")
	fs.StringArrayVar(&f.regions, "region", nil, "a region whose logs are there (repeatable; with --flow-log, default: the profile's)")
	fs.StringVar(&f.format, "format", "", "the flow log's FORMAT (default: the v2 default format)")
	fs.BoolVar(&f.parquet, "parquet", false, "the flow log writes Parquet (default: text)")
	fs.BoolVar(&f.hive, "hive", false, "Hive-compatible prefixes (aws-account-id=…/year=…)")
	fs.BoolVar(&f.hourly, "hourly", false, "hourly partitions (the flow log's per-hour option)")
	fs.StringVar(&f.table, "table", "", "the table to create, [DB.]NAME (default vpc_flow_logs)")
	fs.StringVar(&f.since, "since", "", "the first DATE of the projected range (default 2020-01-01)")
	fs.StringVar(&f.flowLog, "flow-log", "", "read location, format, file format and layout of flow log ID (ec2:DescribeFlowLogs)")
	fs.StringVar(&f.aws.profile, "profile", "", "the AWS shared config PROFILE for --flow-log")
	c.AddCommand(ddl)
	return c
}

func runAthenaDDL(ctx context.Context, f *ddlFlags, std stdio) int {
	d := athenasql.DDL{Location: f.location, Accounts: f.accounts, Regions: f.regions, Parquet: f.parquet, Hourly: f.hourly}
	if f.hive {
		d.Layout = athenasql.LayoutHive
	}
	var err error
	if f.format != "" {
		if d.Format, err = model.ParseFormat(f.format); err != nil {
			return usageError(std, "athena ddl", fmt.Errorf("invalid value for flag --format: %v", err))
		}
		warnFormat(std.err, "athena ddl", d.Format)
	}
	if f.table != "" {
		if db, name, ok := strings.Cut(f.table, "."); ok {
			d.Database, d.Table = db, name
		} else {
			d.Table = f.table
		}
	}
	if f.since != "" {
		if d.Since, err = time.Parse("2006-01-02", f.since); err != nil {
			return usageError(std, "athena ddl", fmt.Errorf("invalid value %q for flag --since: want a date such as 2024-01-31", f.since))
		}
	}
	if f.flowLog != "" {
		if err := fromFlowLog(ctx, &f.aws, f.flowLog, &d, f.format != "", f.hive); err != nil {
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
