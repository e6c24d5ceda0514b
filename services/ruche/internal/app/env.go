package app

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ruche-project/ruche/pkg/config"
)

// EnvName is the environment variable of a config key: nats.data_dir is
// RUCHE_NATS_DATA_DIR.
func EnvName(key string) string {
	return config.EnvPrefix + strings.ToUpper(strings.Replace(key, ".", "_", 1))
}

// configFlags is the flag set every service command registers.
func configFlags() *pflag.FlagSet {
	var cfg Config
	fs := pflag.NewFlagSet("ruche", pflag.ContinueOnError)
	cfg.RegisterFlags(fs)
	return fs
}

func envCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "env",
		Short: "Print every setting as its environment variable, with its default (Markdown)",
		Args:  cobra.NoArgs,
		Run:   func(cmd *cobra.Command, _ []string) { writeEnvTable(cmd.OutOrStdout()) },
	}
}

func writeEnvTable(w io.Writer) {
	fmt.Fprintln(w, "| variable | default | meaning |")
	fmt.Fprintln(w, "|---|---|---|")
	configFlags().VisitAll(func(f *pflag.Flag) {
		def := f.DefValue
		if def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(w, "| `%s` | `%s` | %s |\n", EnvName(f.Name), def, strings.ReplaceAll(f.Usage, "|", "\\|"))
	})
}
