package app

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/config"
)

// ClientConfig is how CLI commands reach a running Ruche (section "client").
type ClientConfig struct {
	URL    string `koanf:"url"`
	APIKey string `koanf:"api_key"`
}

// RegisterFlags registers the client flags under prefix.
func (c *ClientConfig) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&c.URL, prefix+"url", "http://127.0.0.1:8080", "CLI: URL of the gateway")
	fs.StringVar(&c.APIKey, prefix+"api_key", "", "CLI: API key sent to the gateway")
}

// Validate checks the URL.
func (c *ClientConfig) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("client.url must be an http(s) URL, got %q", c.URL)
	}
	return nil
}

// client calls the gateway's API.
type client struct {
	cfg  ClientConfig
	http *http.Client
}

func (c client) do(ctx context.Context, method, path string, body, out any) error {
	if c.cfg.APIKey == "" {
		return fmt.Errorf("client.api_key (RUCHE_CLIENT_API_KEY) is required")
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.cfg.URL, "/")+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Message, Field string } `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error.Message != "" {
			if e.Error.Field != "" {
				return fmt.Errorf("%s: %s", e.Error.Field, e.Error.Message)
			}
			return fmt.Errorf("%s", e.Error.Message)
		}
		return fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	if out != nil && len(data) > 0 {
		return json.Unmarshal(data, out)
	}
	return nil
}

// clientCommand loads the configuration (every setting is accepted, so the
// same environment works for the server and the CLI; only client.* is shown)
// and runs fn with a client.
func clientCommand(cmd *cobra.Command, fn func(ctx context.Context, c client, args []string) error) *cobra.Command {
	var cfg Config
	var file string
	cfg.RegisterFlags(cmd.Flags())
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if !strings.HasPrefix(f.Name, "client.") {
			_ = cmd.Flags().MarkHidden(f.Name)
		}
	})
	cmd.Flags().StringVar(&file, "config", "", "YAML config file (or RUCHE_CONFIG)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := config.Load(cmd.Flags(), file, os.Environ(), &cfg); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
		defer cancel()
		return fn(ctx, client{cfg: cfg.Client, http: &http.Client{Timeout: 30 * time.Second}}, args)
	}
	return cmd
}

func sourcesCommand() *cobra.Command {
	root := &cobra.Command{Use: "sources", Short: "Manage a brand's listening sources (through the gateway)"}
	var brand, id, network, account string
	var settings, secrets []string
	add := clientCommand(&cobra.Command{
		Use:   "add",
		Short: "Create or replace a source; secrets as name=value or name=@file",
		Args:  cobra.NoArgs,
	}, func(ctx context.Context, c client, _ []string) error {
		spec := query.SourceSpec{ID: id, Brand: brand, Network: network, Account: account}
		var err error
		if spec.Settings, err = keyValues("--setting", settings, false); err != nil {
			return err
		}
		if spec.Secrets, err = keyValues("--secret", secrets, true); err != nil {
			return err
		}
		var v query.SourceView
		if err := c.do(ctx, http.MethodPost, "/api/v1/sources", spec, &v); err != nil {
			return err
		}
		fmt.Println(savedSource(v))
		return nil
	})
	add.Flags().StringVar(&id, "id", "", "source id (a-z, 0-9, '-', '_')")
	add.Flags().StringVar(&network, "network", "", "network: generic, meta, x (webhooks); mastodon, bluesky, youtube, rss (polled)")
	add.Flags().StringVar(&account, "account", "", "the brand's own account id on the network")
	add.Flags().StringArrayVar(&settings, "setting", nil, "a setting, name=value (repeatable)")
	add.Flags().StringArrayVar(&secrets, "secret", nil, "a secret, name=value or name=@file (repeatable)")

	list := clientCommand(&cobra.Command{Use: "list", Short: "List a brand's sources", Args: cobra.NoArgs},
		func(ctx context.Context, c client, _ []string) error {
			var resp query.ListSourcesResponse
			if err := c.do(ctx, http.MethodGet, "/api/v1/sources?brand="+url.QueryEscape(brand), nil, &resp); err != nil {
				return err
			}
			printSources(os.Stdout, resp.Sources, false)
			return nil
		})
	health := clientCommand(&cobra.Command{Use: "health", Short: "Show the health of a brand's sources", Args: cobra.NoArgs},
		func(ctx context.Context, c client, _ []string) error {
			var resp query.ListSourcesResponse
			if err := c.do(ctx, http.MethodGet, "/api/v1/sources?brand="+url.QueryEscape(brand), nil, &resp); err != nil {
				return err
			}
			printSources(os.Stdout, resp.Sources, true)
			return nil
		})
	rm := clientCommand(&cobra.Command{Use: "rm <id>", Short: "Delete a source", Args: cobra.ExactArgs(1)},
		func(ctx context.Context, c client, args []string) error {
			if err := c.do(ctx, http.MethodDelete, "/api/v1/sources/"+url.PathEscape(args[0])+"?brand="+url.QueryEscape(brand), nil, nil); err != nil {
				return err
			}
			fmt.Printf("source %s deleted\n", args[0])
			return nil
		})
	var since string
	backfill := clientCommand(&cobra.Command{Use: "backfill <id>", Short: "Re-read a polled source's history since a date (safe to run twice)", Args: cobra.ExactArgs(1)},
		func(ctx context.Context, c client, args []string) error {
			t, err := parseSince(since)
			if err != nil {
				return err
			}
			path := "/api/v1/sources/" + url.PathEscape(args[0]) + "/backfill?brand=" + url.QueryEscape(brand)
			if err := c.do(ctx, http.MethodPost, path, map[string]time.Time{"since": t}, nil); err != nil {
				return err
			}
			fmt.Printf("backfill of %s since %s queued\n", args[0], t.Format(time.RFC3339))
			return nil
		})
	backfill.Flags().StringVar(&since, "since", "", "start of the history to re-read: 2026-11-01, 2026-11-01T08:00:00Z or a duration like 72h")
	_ = backfill.MarkFlagRequired("since")
	for _, c := range []*cobra.Command{add, list, health, rm, backfill} {
		c.Flags().StringVar(&brand, "brand", "", "brand id")
		_ = c.MarkFlagRequired("brand")
	}
	_ = add.MarkFlagRequired("id")
	_ = add.MarkFlagRequired("network")
	root.AddCommand(add, list, health, rm, backfill)
	return root
}

// keyValues parses name=value flags; with files, name=@path reads the value
// from a file (so secrets stay out of shell history).
func keyValues(flag string, in []string, files bool) (map[string]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, kv := range in {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s %q: want name=value", flag, kv)
		}
		if files && strings.HasPrefix(v, "@") {
			b, err := os.ReadFile(v[1:])
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", flag, k, err)
			}
			v = strings.TrimRight(string(b), "\r\n")
		}
		out[k] = v
	}
	return out, nil
}

func printSources(w io.Writer, srcs []query.SourceView, health bool) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	if health {
		fmt.Fprintln(tw, "ID\tSTATUS\tSTREAM\tITEMS/MIN\tLAG\tLAST SUCCESS\tLAST ERROR")
		for _, s := range srcs {
			h := s.Health
			stream := cmp.Or(h.Stream, "-")
			fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%.0fs\t%s\t%s\n", s.ID, h.Status, stream, h.ItemsPerMinute, h.LagSeconds, stamp(h.LastSuccess), errText(h))
		}
		return
	}
	fmt.Fprintln(tw, "ID\tNETWORK\tACCOUNT\tSECRETS\tSTATUS")
	for _, s := range srcs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.ID, s.Network, s.Account, strings.Join(s.SecretNames, ","), s.Health.Status)
	}
}

func stamp(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}

func errText(h query.SourceHealth) string {
	if h.LastError == nil {
		return "-"
	}
	return stamp(h.LastError) + " " + h.LastErrorText
}

// parseSince reads a date, an RFC 3339 time, or a duration back from now.
func parseSince(s string) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return time.Now().Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: want 2026-11-01, an RFC 3339 time or a duration like 72h", s)
}

// savedSource is what `sources add` prints: where the network delivers,
// for a webhook source; a polled source has no webhook to give.
func savedSource(v query.SourceView) string {
	line := fmt.Sprintf("source %s (%s) saved for brand %s", v.ID, v.Network, v.Brand)
	if v.WebhookPath == "" {
		return line + "; polled by ingest, no webhook to configure"
	}
	return line + "; webhook URL path: " + v.WebhookPath
}
