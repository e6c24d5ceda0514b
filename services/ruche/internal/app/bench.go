package app

import (
	"fmt"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ruche-project/ruche/services/ruche/internal/bench"
)

// benchCommand is `ruche bench` (make bench): the pipeline's throughput
// and latency beside the raw limits of the same machine. Its hidden
// subcommands are the processes the bench starts.
func benchCommand(version string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the pipeline against this machine's own limits (BENCH_SECONDS, BENCH_OUT, BENCH_ROWS, BENCH_CLIENTS)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			self, err := os.Executable()
			if err != nil {
				return err
			}
			cfg, err := bench.FromEnv(os.Environ(), self)
			if err != nil {
				return err
			}
			cfg.Version = version
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			_, err = bench.Run(ctx, cfg, cmd.OutOrStdout())
			return err
		},
	}
	cmd.AddCommand(serveHTTPCommand(), profiledUpCommand(version))
	return cmd
}

// serveHTTPCommand serves one HTTP limit handler (bench.ServeLimit).
func serveHTTPCommand() *cobra.Command {
	var mode, addr, dir string
	cmd := &cobra.Command{
		Use:    "serve-http",
		Short:  "Serve an HTTP limit handler for the bench",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return bench.ServeLimit(ctx, mode, addr, dir, cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&mode, "mode", bench.ModeBare, "bare, publish or ingest-core")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:0", "listen address")
	cmd.Flags().StringVar(&dir, "data-dir", "", "JetStream directory of the publish modes")
	return cmd
}

// profiledUpCommand is `ruche up` plus a pprof listener on
// BENCH_PPROF_ADDR, so that the bench can profile the pipeline; the
// services themselves are built exactly as `ruche up` builds them.
func profiledUpCommand(version string) *cobra.Command {
	cmd := serviceCommand(version, ModeUp, &cobra.Command{
		Use:    "up",
		Short:  "ruche up with a pprof listener on " + bench.PprofAddrEnv,
		Hidden: true,
		Args:   cobra.NoArgs,
	})
	run := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if addr := os.Getenv(bench.PprofAddrEnv); addr != "" {
			mux := http.NewServeMux()
			mux.HandleFunc("/debug/pprof/", pprof.Index)
			mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
			go func() {
				if err := http.ListenAndServe(addr, mux); err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), "pprof:", err)
				}
			}()
		}
		return run(cmd, args)
	}
	return cmd
}
