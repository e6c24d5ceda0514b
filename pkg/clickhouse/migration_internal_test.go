package clickhouse

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseMigration(t *testing.T) {
	cases := []struct {
		name       string
		body       string
		statements []string
		requires   []string
		wantErr    string
	}{
		{name: "one_statement_without_semicolon",
			body:       "CREATE TABLE t (a UInt8) ENGINE = Memory\n",
			statements: []string{"CREATE TABLE t (a UInt8) ENGINE = Memory"}},
		{name: "split_on_semicolon_at_line_end",
			body:       "CREATE TABLE a (x UInt8)\nENGINE = Memory;\n\nCREATE TABLE b (x UInt8) ENGINE = Memory;  \n",
			statements: []string{"CREATE TABLE a (x UInt8)\nENGINE = Memory", "CREATE TABLE b (x UInt8) ENGINE = Memory"}},
		{name: "semicolon_inside_a_line_does_not_split",
			body:       "SELECT ';' AS s, 1;\n",
			statements: []string{"SELECT ';' AS s, 1"}},
		{name: "comment_lines_are_dropped",
			body:       "-- interactions facts\nCREATE TABLE a (x UInt8) -- trailing comment stays\n  -- ; not an end\nENGINE = Memory;\n",
			statements: []string{"CREATE TABLE a (x UInt8) -- trailing comment stays\nENGINE = Memory"}},
		{name: "requires_header",
			body:       "-- requires: ttl\nALTER TABLE t MODIFY TTL d + INTERVAL 1 DAY;\n",
			statements: []string{"ALTER TABLE t MODIFY TTL d + INTERVAL 1 DAY"}, requires: []string{"ttl"}},
		{name: "requires_several_after_a_comment",
			body:       "-- switch on compact types\n--requires: low_cardinality, datetime64\nSELECT 1\n",
			statements: []string{"SELECT 1"}, requires: []string{"low_cardinality", "datetime64"}},
		{name: "requires_after_first_statement_is_a_plain_comment",
			body:       "SELECT 1;\n-- requires: ttl\nSELECT 2;\n",
			statements: []string{"SELECT 1", "SELECT 2"}},
		{name: "unknown_feature", body: "-- requires: ttl, time_travel\nSELECT 1\n", wantErr: `unknown clickhouse feature "time_travel"`},
		{name: "empty_file", body: "-- nothing yet\n\n", wantErr: "holds no statement"},
		{name: "insert_values_is_refused", body: "INSERT INTO t (a) VALUES (1);\n", wantErr: "INSERT ... VALUES"},
		{name: "insert_without_columns_values_is_refused", body: "insert into t values (1)\n", wantErr: "INSERT ... VALUES"},
		{name: "insert_select_is_allowed",
			body:       "INSERT INTO t (a) SELECT number FROM system.numbers LIMIT 3;\n",
			statements: []string{"INSERT INTO t (a) SELECT number FROM system.numbers LIMIT 3"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseMigration("0001_x.sql", []byte(tc.body))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrBadMigration) {
					t.Fatalf("err = %v, want ErrBadMigration mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m.statements, tc.statements) {
				t.Fatalf("statements = %q, want %q", m.statements, tc.statements)
			}
			if !reflect.DeepEqual(m.requires, tc.requires) {
				t.Fatalf("requires = %q, want %q", m.requires, tc.requires)
			}
			if len(m.checksum) != 64 {
				t.Fatalf("checksum = %q, want hex sha-256", m.checksum)
			}
		})
	}
}

func TestReadMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	cases := []struct {
		name    string
		fs      fstest.MapFS
		want    []string
		wantErr string
	}{
		{name: "sorted_by_version_not_name", fs: fstest.MapFS{
			"10_later.sql":     file("SELECT 10"),
			"0002_second.sql":  file("SELECT 2"),
			"0001_first.sql":   file("SELECT 1"),
			"README.md":        file("not a migration"),
			"old/0003_old.sql": file("ignored: in a directory"),
		}, want: []string{"0001_first.sql", "0002_second.sql", "10_later.sql"}},
		{name: "bad_name", fs: fstest.MapFS{"create_tables.sql": file("SELECT 1")}, wantErr: "NNNN_name.sql"},
		{name: "uppercase_name", fs: fstest.MapFS{"0001_Create.sql": file("SELECT 1")}, wantErr: "NNNN_name.sql"},
		{name: "duplicate_version", fs: fstest.MapFS{"0001_a.sql": file("SELECT 1"), "001_b.sql": file("SELECT 1")}, wantErr: "share version 1"},
		{name: "empty_dir", fs: fstest.MapFS{}, want: nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			migs, err := readMigrations(tc.fs)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range migs {
				got = append(got, m.file)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("files = %q, want %q", got, tc.want)
			}
		})
	}
}
