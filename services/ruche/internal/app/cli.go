package app

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ruche-project/ruche/pkg/config"
	"github.com/ruche-project/ruche/pkg/obs"
)

// Main runs the CLI and returns the exit code.
func Main(version string, args []string) int {
	root := newRoot(version, os.Stdout, os.Stderr)
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "ruche:", err)
		return 1
	}
	return 0
}

func newRoot(version string, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "ruche",
		Short:         "Ruche: listen, moderate, answer, publish and measure for brand communities",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		serviceCommand(version, ModeUp, &cobra.Command{
			Use:   "up",
			Short: "Run every service in one process with an embedded NATS JetStream (development, demo)",
			Args:  cobra.NoArgs,
		}),
		serviceCommand(version, ModeRun, &cobra.Command{
			Use:   "run <service>...",
			Short: "Run some services against a NATS cluster: " + strings.Join(Services(), ", "),
			Args:  cobra.MinimumNArgs(1),
		}),
		serviceCommand(version, ModeTask, &cobra.Command{
			Use:   "migrate",
			Short: "Apply the ClickHouse migrations and exit",
			Args:  cobra.NoArgs,
		}),
		envCommand(),
		benchCommand(version),
		classifyCommand(),
		sourcesCommand(),
		accountsCommand(),
		policyCommand(), casesCommand(), correctionsCommand(), crisesCommand(),
		loginCommand(), contextCommand(), usersCommand(), brandsCommand(), keysCommand(), auditCommand(), privacyCommand(), webhooksCommand(),
		&cobra.Command{
			Use:   "version",
			Short: "Print the version",
			Args:  cobra.NoArgs,
			Run:   func(cmd *cobra.Command, _ []string) { fmt.Fprintln(cmd.OutOrStdout(), version) },
		},
	)
	return root
}

// serviceCommand gives cmd the full configuration flags and runs targets.
func serviceCommand(version string, mode Mode, cmd *cobra.Command) *cobra.Command {
	var cfg Config
	var file string
	cfg.RegisterFlags(cmd.Flags())
	cmd.Flags().StringVar(&file, "config", "", "YAML config file (or RUCHE_CONFIG)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := config.Load(cmd.Flags(), file, os.Environ(), &cfg); err != nil {
			return err
		}
		targets := []string{TargetAll}
		switch mode {
		case ModeRun:
			if err := checkServices(args); err != nil {
				return err
			}
			if cfg.NATS.URL == "" {
				return fmt.Errorf("nats.url (RUCHE_NATS_URL) is required by ruche run; ruche up embeds a server")
			}
			targets = args
		case ModeTask:
			targets = []string{TargetMigrate}
		case ModeUp:
			if err := prepareDemo(&cfg); err != nil {
				return err
			}
		}
		log, err := obs.NewLogger(cfg.Log, cmd.ErrOrStderr())
		if err != nil {
			return err
		}
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		app, err := New(ctx, cfg, mode, version, log, targets)
		if err != nil {
			return err
		}
		if mode == ModeTask {
			app.close()
			log.Info("migrations applied", "database", cfg.ClickHouse.Database)
			return nil
		}
		if mode == ModeUp {
			announce(cmd.OutOrStdout(), cfg, app.firstLogin, log)
		}
		return app.Run(ctx)
	}
	return cmd
}

// announce tells a newcomer where everything is, without printing secrets.
func announce(w io.Writer, cfg Config, firstLogin string, log *slog.Logger) {
	url := "http://" + hostPort(cfg.Gateway.Addr)
	fmt.Fprintf(w, "\nRuche is up: %s\n", url)
	fmt.Fprintf(w, "  workspace (open in a browser, sign in): %s/inbox\n", url)
	fmt.Fprintf(w, "  webhooks (ingest): http://%s/v1/webhooks/generic/%s\n", hostPort(cfg.Ingest.Addr), DemoSourceID)
	fmt.Fprintf(w, "  health, metrics and status: http://%s/readyz  /metrics  /status\n", hostPort(cfg.Ops.Addr))
	announceSandbox(w, cfg)
	if cfg.Demo.Enabled {
		fmt.Fprintf(w, "  demo brand %q: API key in %s/api-key, webhook secret in %s/webhook-secret\n", cfg.Demo.Brand, cfg.Demo.Dir, cfg.Demo.Dir)
		fmt.Fprintf(w, "  try: curl -H \"Authorization: Bearer $(cat %s/api-key)\" '%s/api/v1/interactions?brand=%s'\n", cfg.Demo.Dir, url, cfg.Demo.Brand)
		if firstLogin != "" {
			fmt.Fprintf(w, "  first login, as the owner of %q (link valid %s; choose a password, then the workspace opens): %s\n", cfg.Demo.Brand, DemoInvitationTTL, firstLogin)
		}
		fmt.Fprintf(w, "  API reference: %s/docs\n\n", url)
	}
	log.Debug("announced", "url", url)
}

func hostPort(addr string) string {
	if strings.HasPrefix(addr, ":") {
		return "localhost" + addr
	}
	return addr
}
