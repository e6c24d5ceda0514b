// Package config is Ruche's one configuration loader. Each component owns a
// config struct of simple fields that registers its own flags under a prefix
// (Tempo style) and validates itself; Load merges, lowest to highest
// precedence: flag defaults, a YAML file, RUCHE_* environment variables, and
// flags set on the command line.
//
// RUCHE_TEST_* variables are left to the test kit; any other RUCHE_*
// variable that names no setting is an error, so a typo never silently
// falls back to a default.
//
// Keys are "<section>.<field>", e.g. "clickhouse.addr": the flag is
// --clickhouse.addr, the environment variable RUCHE_CLICKHOUSE_ADDR and the
// YAML path clickhouse: {addr: ...}. Field names may hold underscores
// (RUCHE_NATS_DATA_DIR is nats.data_dir): only the first underscore after the
// prefix separates section from field.
package config

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/posflag"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"
)

// EnvPrefix is the prefix of every environment variable Ruche reads.
const EnvPrefix = "RUCHE_"

// FileEnv names the environment variable that points at a YAML config file
// (the --config flag does the same).
const FileEnv = "RUCHE_CONFIG"

// Validator is implemented by config structs that can check themselves.
type Validator interface {
	Validate() error
}

// Load fills target (a pointer to a struct with `koanf` tags whose flags are
// registered on fs) from the file, the environment and the flags, then calls
// Validate on it when it implements Validator. file may be empty; environ is
// usually os.Environ().
func Load(fs *pflag.FlagSet, file string, environ []string, target any) error {
	k := koanf.New(".")
	// Settings are the flags named "<section>.<field>"; other flags of a
	// command (--brand, --secret...) are not configuration.
	setting := func(f *pflag.Flag) bool { return strings.Contains(f.Name, ".") }
	if err := k.Load(posflag.ProviderWithFlag(fs, ".", nil, func(f *pflag.Flag) (string, any) {
		if !setting(f) {
			return "", nil
		}
		return f.Name, posflag.FlagVal(fs, f)
	}), nil); err != nil {
		return fmt.Errorf("load flag defaults: %w", err)
	}
	if file == "" {
		file = lookup(environ, FileEnv)
	}
	if file != "" {
		if err := k.Load(fileProvider(file), yaml.Parser()); err != nil {
			return fmt.Errorf("load config file %s: %w", file, err)
		}
	}
	envs := koanf.New(".")
	if err := envs.Load(env.Provider(".", env.Opt{
		Prefix:        EnvPrefix,
		TransformFunc: envKey,
		EnvironFunc:   func() []string { return environ },
	}), nil); err != nil {
		return fmt.Errorf("load environment: %w", err)
	}
	known := map[string]bool{}
	fs.VisitAll(func(f *pflag.Flag) { known[f.Name] = true })
	for _, key := range envs.Keys() {
		// RUCHE_TEST_* variables belong to the test kit, not to the process.
		if !known[key] && key != "config" && !strings.HasPrefix(key, "test.") {
			return fmt.Errorf("environment variable %s%s is not a known setting", EnvPrefix, strings.ToUpper(strings.Replace(key, ".", "_", 1)))
		}
	}
	if err := k.Merge(envs); err != nil {
		return err
	}
	// Flags set explicitly on the command line win over everything.
	if err := k.Load(posflag.ProviderWithFlag(fs, ".", k, func(f *pflag.Flag) (string, any) {
		if !f.Changed || !setting(f) {
			return "", nil
		}
		return f.Name, posflag.FlagVal(fs, f)
	}), nil); err != nil {
		return fmt.Errorf("load flags: %w", err)
	}
	if err := k.UnmarshalWithConf("", target, koanf.UnmarshalConf{Tag: "koanf", FlatPaths: false}); err != nil {
		return fmt.Errorf("decode config: %w", err)
	}
	if v, ok := target.(Validator); ok {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("invalid config: %w", err)
		}
	}
	return nil
}

// envKey maps RUCHE_NATS_DATA_DIR to nats.data_dir.
func envKey(k, v string) (string, any) {
	k = strings.ToLower(strings.TrimPrefix(k, EnvPrefix))
	if section, field, ok := strings.Cut(k, "_"); ok {
		k = section + "." + field
	}
	return k, v
}

func lookup(environ []string, name string) string {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}

func fileProvider(path string) koanf.Provider {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return missingFile(path)
	}
	return file.Provider(path)
}

type missingFile string

func (m missingFile) ReadBytes() ([]byte, error) {
	return nil, fmt.Errorf("%s: %w", string(m), os.ErrNotExist)
}
func (m missingFile) Read() (map[string]any, error) { return nil, errors.New("not supported") }
