package clickhouse

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ErrBadMigration is wrapped by every error about a migration file's name or
// content.
var ErrBadMigration = errors.New("bad migration")

// migration is one parsed NNNN_name.sql file.
type migration struct {
	version    uint32
	name       string
	file       string
	checksum   string
	requires   []string
	statements []string
}

var migrationFile = regexp.MustCompile(`^([0-9]{1,9})_([a-z0-9][a-z0-9_]*)\.sql$`)

// readMigrations parses the *.sql files at the root of fsys, sorted by
// version. Other files and directories are ignored; a .sql file whose name
// does not follow NNNN_name.sql, two files with one version, an unknown
// feature or an empty file are errors.
func readMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []migration
	seen := map[uint32]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		m := migrationFile.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("%w: file %s: name must be NNNN_name.sql (digits, then lowercase letters, digits and '_')", ErrBadMigration, e.Name())
		}
		v, _ := strconv.ParseUint(m[1], 10, 32)
		if prev, dup := seen[uint32(v)]; dup {
			return nil, fmt.Errorf("%w: files %s and %s share version %d", ErrBadMigration, prev, e.Name(), v)
		}
		seen[uint32(v)] = e.Name()
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		mig, err := parseMigration(e.Name(), body)
		if err != nil {
			return nil, err
		}
		mig.version, mig.name = uint32(v), m[2]
		out = append(out, mig)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// parseMigration reads the "-- requires:" header and splits the statements:
// a statement ends with a line whose last non-blank character is ';'. Lines
// that hold only a "--" comment are dropped, so a ';' inside a comment line
// never ends a statement.
func parseMigration(file string, body []byte) (migration, error) {
	sum := sha256.Sum256(body)
	mig := migration{file: file, checksum: hex.EncodeToString(sum[:])}
	var (
		cur    []string
		header = true
	)
	flush := func() {
		stmt := strings.TrimSpace(strings.Join(cur, "\n"))
		stmt = strings.TrimSpace(strings.TrimSuffix(stmt, ";"))
		if stmt != "" {
			mig.statements = append(mig.statements, stmt)
		}
		cur = cur[:0]
	}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t\r")
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") {
			if header {
				if rest, ok := strings.CutPrefix(strings.TrimSpace(strings.TrimPrefix(trimmed, "--")), "requires:"); ok {
					for _, name := range strings.Split(rest, ",") {
						name = strings.TrimSpace(name)
						if _, err := (Features{}).Has(name); err != nil {
							return mig, fmt.Errorf("%w: %s: %w", ErrBadMigration, file, err)
						}
						mig.requires = append(mig.requires, name)
					}
				}
			}
			continue
		}
		if trimmed == "" {
			continue
		}
		header = false
		cur = append(cur, line)
		if strings.HasSuffix(trimmed, ";") {
			flush()
		}
	}
	if err := sc.Err(); err != nil {
		return mig, fmt.Errorf("%w: %s: %w", ErrBadMigration, file, err)
	}
	flush()
	if len(mig.statements) == 0 {
		return mig, fmt.Errorf("%w: %s holds no statement", ErrBadMigration, file)
	}
	for _, stmt := range mig.statements {
		if insertValues.MatchString(stmt) {
			return mig, fmt.Errorf("%w: %s: INSERT ... VALUES hangs on ClickHouse 18.16 through clickhouse-go; use INSERT ... SELECT", ErrBadMigration, file)
		}
	}
	return mig, nil
}

// insertValues matches an INSERT that sends rows as VALUES (or any format
// other than a SELECT): the driver would wait to stream data blocks.
var insertValues = regexp.MustCompile(`(?is)^\s*INSERT\s+INTO\s+[^\s(]+(\s*\([^)]*\))?\s*(VALUES|FORMAT)\b`)
