// Package athena translates a flowtail query into Athena engine v3 (Trino)
// SQL over a VPC flow log table, meaning exactly what the local engine
// computes on the same records, and writes the CREATE EXTERNAL TABLE
// statement AWS recommends for a flow log's S3 location.
//
// How the local semantics are kept:
//   - "-" is NULL: numeric columns of a text table read it as NULL, string
//     columns as the text "-", which NULLIF turns into NULL. An absent value
//     makes every comparison false, != and not included, so a negated
//     condition is NOT COALESCE(…, FALSE) rather than SQL's NOT.
//   - @timestamp is start × 1000 (ms); a number below 1e11 compared with it
//     is taken as seconds. It prints as "yyyy-MM-dd HH:mm:ss.SSS" in UTC.
//   - Addresses sort as the local engine sorts them: every IPv4 address
//     before every IPv6 one, then by value (Trino's IPADDRESS type).
//   - Derived fields (proto, service, direction) are CASE expressions built
//     from the same tables the local engine uses; direction comes from
//     flow-direction only (a local run with --rules also infers it).
//   - pct is the exact nearest-rank percentile and count_distinct is exact,
//     like the local engine; Athena's approx_percentile and approx_distinct
//     are not used.
//   - Stats rows without sort come ordered by their keys (as a parallel
//     local run gives them); sort ties are broken by the keys.
//
// Where SQL cannot follow: records have no input order, so ties in a sort
// of records, which record dedup keeps, limit without sort, and which of
// several records at the same earliest/latest time earliest()/latest()
// pick may differ from a local run. Regexes run in Trino's (Java-style)
// dialect rather than Go's RE2; they agree on the usual patterns.
package athena

import (
	"fmt"
	"strings"

	"github.com/flowtail/flowtail/model"
)

// Table is an Athena table of flow-log records.
type Table struct {
	// Database and Name locate the table in the Glue catalog.
	Database, Name string
	// Columns are the data columns in file order; Partitions the
	// partition columns.
	Columns    []Column
	Partitions []Column
	// Params are the table's properties (partition projection formats).
	Params map[string]string
}

// Column is a table column and its Hive type (string, int, bigint, date).
type Column struct {
	Name, Type string
}

// ParseTableName splits DB.TABLE.
func ParseTableName(s string) (db, table string, err error) {
	db, table, ok := strings.Cut(s, ".")
	if !ok || db == "" || table == "" || strings.Contains(table, ".") {
		return "", "", fmt.Errorf("athena table %q: want DATABASE.TABLE", s)
	}
	return db, table, nil
}

// ColumnName is a field's column name in AWS's tables: account-id becomes
// account_id.
func ColumnName(id model.FieldID) string { return strings.ReplaceAll(id.Name(), "-", "_") }

// customColumn is the column of a field flowtail does not know, named as
// a format or a query spells it, in the style of AWS's columns: lower
// case, '_' for '-' (Next-Hop-Type is next_hop_type).
func customColumn(name string) string { return strings.ToLower(strings.ReplaceAll(name, "-", "_")) }

// ColumnType is the Hive type AWS's DDL gives a field: in text tables
// protocol is bigint, in Parquet int.
func ColumnType(id model.FieldID, parquet bool) string {
	switch id {
	case model.FieldVersion, model.FieldSrcPort, model.FieldDstPort, model.FieldTCPFlags, model.FieldTrafficPath:
		return "int"
	case model.FieldProtocol:
		if parquet {
			return "int"
		}
		return "bigint"
	case model.FieldPackets, model.FieldBytes, model.FieldStart, model.FieldEnd:
		return "bigint"
	}
	if id.Kind() == model.KindInt {
		return "int"
	}
	return "string"
}

// FormatColumns are the data columns of a table for records of format f.
func FormatColumns(f *model.Format, parquet bool) []Column {
	out := make([]Column, 0, len(f.Fields))
	for _, id := range f.Fields {
		name := ColumnName(id)
		if id.Opaque() {
			name = customColumn(f.Name(id))
		}
		out = append(out, Column{Name: name, Type: ColumnType(id, parquet)})
	}
	return out
}

func (t *Table) column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return Column{}, false
}

// customColumn finds the column of a field flowtail does not know by any
// spelling of its name, as a query finds the field ("nextHopType",
// "next-hop-type" and a column next_hop_type are one).
func (t *Table) customColumn(name string) (Column, bool) {
	key := model.FoldName(name)
	for _, c := range t.Columns {
		if model.FoldName(c.Name) == key {
			return c, true
		}
	}
	return Column{}, false
}

func (t *Table) partition(name string) (Column, bool) {
	for _, c := range t.Partitions {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return Column{}, false
}

// reserved are Trino's reserved words (and Hive's date), which a column,
// table or database name must quote.
var reserved = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`alter and as between by case cast constraint create cross cube
		current_catalog current_date current_path current_role current_schema current_time
		current_timestamp current_user deallocate delete describe distinct drop else end escape
		except execute exists extract false for from full group grouping having in inner insert
		intersect into is join json_array json_exists json_object json_query json_table json_value
		left like listagg localtime localtimestamp natural normalize not null on or order outer
		prepare recursive right rollup select skip table then trim true uescape union unnest using
		values when where with date default`) {
		m[w] = true
	}
	return m
}()

// ident quotes a name for Trino: always when it is reserved or not a plain
// lower-case word.
func ident(s string) string {
	plain := s != "" && !reserved[strings.ToLower(s)]
	for i, c := range s {
		if !(c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			plain = false
		}
	}
	if plain {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// str is a Trino string literal. Text with a control or invisible
// character is written as a Unicode literal (U&'…\001B…'), so that what
// is sent, and what --dry-run prints, holds no raw control byte. Invalid
// UTF-8 never reaches here (Translate refuses it).
func str(s string) string {
	if !strings.ContainsFunc(s, model.UnsafeRune) {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	var b strings.Builder
	b.WriteString("U&'")
	for _, r := range s {
		switch {
		case r == '\'':
			b.WriteString("''")
		case r == '\\':
			b.WriteString(`\\`)
		case model.UnsafeRune(r) && r <= 0xffff:
			fmt.Fprintf(&b, `\%04X`, r)
		case model.UnsafeRune(r):
			fmt.Fprintf(&b, `\+%06X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// QualifiedName is the table's name as SQL refers to it.
func (t *Table) QualifiedName() string { return ident(t.Database) + "." + ident(t.Name) }
