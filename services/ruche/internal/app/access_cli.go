package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ruche-project/ruche/pkg/csvsafe"
	"github.com/ruche-project/ruche/services/gateway"
	"github.com/ruche-project/ruche/services/gateway/access"
)

// Contexts are the installs the CLI knows, kept per user in
// <user config dir>/ruche/contexts.json (owner-only): each a URL and the
// personal API key `ruche login` created there.
type Contexts struct {
	Current  string                `json:"current"`
	Contexts map[string]CLIContext `json:"contexts"`
}

// CLIContext is one install.
type CLIContext struct {
	URL    string `json:"url"`
	APIKey string `json:"api_key"`
	User   string `json:"user,omitempty"`
}

// contextsPath is contexts.json in the user's config directory
// ($XDG_CONFIG_HOME/ruche, ~/.config/ruche on Linux).
func contextsPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no user config directory (set XDG_CONFIG_HOME): %w", err)
	}
	return filepath.Join(dir, "ruche", "contexts.json"), nil
}

func loadContexts() (Contexts, string, error) {
	cs := Contexts{Contexts: map[string]CLIContext{}}
	path, err := contextsPath()
	if err != nil {
		return cs, "", err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return cs, path, nil
	}
	if err != nil {
		return cs, path, err
	}
	if err := json.Unmarshal(b, &cs); err != nil {
		return cs, path, fmt.Errorf("%s: %w", path, err)
	}
	if cs.Contexts == nil {
		cs.Contexts = map[string]CLIContext{}
	}
	return cs, path, nil
}

func (cs Contexts) save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(cs, "", "  ")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// useCurrentContext fills the client settings from the current context
// when no API key is configured (flags and RUCHE_CLIENT_* win).
func useCurrentContext(c *ClientConfig) error {
	if c.APIKey != "" {
		return nil
	}
	cs, _, err := loadContexts()
	if err != nil {
		return err
	}
	if cur, ok := cs.Contexts[cs.Current]; ok {
		c.URL, c.APIKey = cur.URL, cur.APIKey
	}
	return nil
}

func loginCommand() *cobra.Command {
	var name, email, gatewayURL string
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in to an install and keep a personal API key for the CLI (password read from stdin)",
		Args:  cobra.NoArgs,
	}
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		u, err := url.Parse(gatewayURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--url must be an http(s) URL, got %q", gatewayURL)
		}
		fmt.Fprint(cmd.ErrOrStderr(), "password: ")
		line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read the password from stdin: %w", err)
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
		defer cancel()
		host, _ := os.Hostname()
		key, user, err := login(ctx, strings.TrimSuffix(gatewayURL, "/"), email, strings.TrimRight(line, "\r\n"), "ruche CLI on "+host, ttl)
		if err != nil {
			return err
		}
		cs, path, err := loadContexts()
		if err != nil {
			return err
		}
		if name == "" {
			name = u.Host
		}
		cs.Contexts[name] = CLIContext{URL: strings.TrimSuffix(gatewayURL, "/"), APIKey: key, User: user}
		cs.Current = name
		if err := cs.save(path); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "signed in to %s as %s; context %q saved in %s\n", gatewayURL, user, name, path)
		return nil
	}
	cmd.Flags().StringVar(&gatewayURL, "url", "http://127.0.0.1:8080", "URL of the gateway")
	cmd.Flags().StringVar(&email, "email", "", "your email")
	cmd.Flags().StringVar(&name, "context", "", "name of this install (default: its host)")
	cmd.Flags().DurationVar(&ttl, "ttl", 30*24*time.Hour, "lifetime of the CLI's API key")
	_ = cmd.MarkFlagRequired("email")
	return cmd
}

// login signs in with a password, creates a personal API key from the
// session, and signs the session out: only the key is kept.
func login(ctx context.Context, base, email, password, keyName string, ttl time.Duration) (string, string, error) {
	hc := &http.Client{Timeout: 30 * time.Second}
	post := func(path string, body any, cookie *http.Cookie, csrf string, out any) (*http.Response, error) {
		b, _ := json.Marshal(body)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		if cookie != nil {
			req.AddCookie(cookie)
			req.Header.Set(gateway.CSRFHeader, csrf)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if resp.StatusCode >= 300 {
			return resp, apiError(resp, data)
		}
		if out != nil {
			return resp, json.Unmarshal(data, out)
		}
		return resp, nil
	}
	var signed gateway.SignedIn
	resp, err := post("/api/v1/auth/login", gateway.LoginBody{Email: email, Password: password}, nil, "", &signed)
	if err != nil {
		return "", "", fmt.Errorf("sign in: %w", err)
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == gateway.SessionCookie {
			session = &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	if session == nil {
		return "", "", errors.New("sign in: the gateway set no session cookie")
	}
	var key gateway.CreatedKey
	if _, err := post("/api/v1/keys", gateway.CreateKeyBody{Name: keyName, TTL: ttl.String()}, session, signed.CSRFToken, &key); err != nil {
		return "", "", fmt.Errorf("create the CLI's key: %w", err)
	}
	_, _ = post("/api/v1/auth/logout", struct{}{}, session, signed.CSRFToken, nil)
	return key.Key, signed.User.Email, nil
}

func apiError(resp *http.Response, data []byte) error {
	var e struct {
		Error struct{ Message, Field string } `json:"error"`
	}
	if json.Unmarshal(data, &e) == nil && e.Error.Message != "" {
		if e.Error.Field != "" {
			return fmt.Errorf("%s: %s", e.Error.Field, e.Error.Message)
		}
		return errors.New(e.Error.Message)
	}
	return fmt.Errorf("%s %s: %s", resp.Request.Method, resp.Request.URL.Path, resp.Status)
}

func contextCommand() *cobra.Command {
	root := &cobra.Command{Use: "context", Short: "List the installs `ruche login` knows, or switch to one"}
	list := &cobra.Command{Use: "list", Args: cobra.NoArgs, Short: "List the contexts (* is the current one)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cs, _, err := loadContexts()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "\tNAME\tURL\tUSER")
			names := make([]string, 0, len(cs.Contexts))
			for n := range cs.Contexts {
				names = append(names, n)
			}
			slices.Sort(names)
			for _, n := range names {
				mark := ""
				if n == cs.Current {
					mark = "*"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", mark, n, cs.Contexts[n].URL, cs.Contexts[n].User)
			}
			return tw.Flush()
		}}
	use := &cobra.Command{Use: "use <name>", Args: cobra.ExactArgs(1), Short: "Make a context the current one",
		RunE: func(cmd *cobra.Command, args []string) error {
			cs, path, err := loadContexts()
			if err != nil {
				return err
			}
			if _, ok := cs.Contexts[args[0]]; !ok {
				return fmt.Errorf("no context %q (ruche context list)", args[0])
			}
			cs.Current = args[0]
			return cs.save(path)
		}}
	root.AddCommand(list, use)
	return root
}

// output prints v as JSON, or rows as a table (or CSV).
func output(w io.Writer, format string, v any, header []string, rows [][]string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "csv":
		// Names and emails are their owners' to choose: a spreadsheet
		// shows them as text, never as formulas.
		cw := csv.NewWriter(w)
		_ = cw.Write(header)
		for _, r := range rows {
			cells := make([]string, len(r))
			for i, v := range r {
				cells[i] = csvsafe.Cell(v)
			}
			_ = cw.Write(cells)
		}
		cw.Flush()
		return cw.Error()
	case "table", "":
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(header, "\t"))
		for _, r := range rows {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
		return tw.Flush()
	}
	return fmt.Errorf("-o must be json or table, got %q", format)
}

func usersCommand() *cobra.Command {
	var brand, format string
	cmd := &cobra.Command{Use: "users", Short: "List a brand's members and their roles", Args: cobra.NoArgs}
	clientCommand(cmd, func(ctx context.Context, c client, _ []string) error {
		var resp struct {
			Items []gateway.Member `json:"items"`
		}
		if err := c.do(ctx, http.MethodGet, "/api/v1/users?brand="+url.QueryEscape(brand), nil, &resp); err != nil {
			return err
		}
		rows := make([][]string, len(resp.Items))
		for i, m := range resp.Items {
			rows[i] = []string{m.ID, m.Email, m.Name, string(m.Role), fmt.Sprint(m.SSO)}
		}
		return output(cmd.OutOrStdout(), format, resp.Items, []string{"ID", "EMAIL", "NAME", "ROLE", "SSO"}, rows)
	})
	cmd.Flags().StringVar(&brand, "brand", "", "brand id")
	cmd.Flags().StringVarP(&format, "output", "o", "table", "json or table")
	_ = cmd.MarkFlagRequired("brand")
	return cmd
}

func brandsCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{Use: "brands", Short: "List the brands you work on and your role on each", Args: cobra.NoArgs}
	clientCommand(cmd, func(ctx context.Context, c client, _ []string) error {
		// A person's roles are their user's; a configured key's are its own.
		var me struct {
			User  *gateway.UserView      `json:"user"`
			Roles map[string]access.Role `json:"roles"`
		}
		if err := c.do(ctx, http.MethodGet, "/api/v1/me", nil, &me); err != nil {
			return err
		}
		roles := me.Roles
		if me.User != nil {
			roles = me.User.Roles
		}
		type brandRole struct {
			Brand string      `json:"brand"`
			Role  access.Role `json:"role"`
		}
		items := make([]brandRole, 0, len(roles))
		for _, b := range slices.Sorted(maps.Keys(roles)) {
			items = append(items, brandRole{Brand: b, Role: roles[b]})
		}
		rows := make([][]string, len(items))
		for i, it := range items {
			rows[i] = []string{it.Brand, string(it.Role)}
		}
		return output(cmd.OutOrStdout(), format, items, []string{"BRAND", "ROLE"}, rows)
	})
	cmd.Flags().StringVarP(&format, "output", "o", "table", "json or table")
	return cmd
}

func keysCommand() *cobra.Command {
	root := &cobra.Command{Use: "keys", Short: "Your personal API keys (create them from a session: ruche login)"}
	var format string
	list := &cobra.Command{Use: "list", Short: "List your keys", Args: cobra.NoArgs}
	clientCommand(list, func(ctx context.Context, c client, _ []string) error {
		var resp struct {
			Items []gateway.CreatedKey `json:"items"`
		}
		if err := c.do(ctx, http.MethodGet, "/api/v1/keys", nil, &resp); err != nil {
			return err
		}
		rows := make([][]string, len(resp.Items))
		items := make([]any, len(resp.Items))
		for i, k := range resp.Items {
			items[i] = k.APIKey
			scopes := make([]string, len(k.Scopes))
			for j, s := range k.Scopes {
				scopes[j] = string(s)
			}
			rows[i] = []string{k.ID, k.Name, k.ExpiresAt.Format(time.DateOnly), strings.Join(scopes, ",")}
		}
		return output(list.OutOrStdout(), format, items, []string{"ID", "NAME", "EXPIRES", "SCOPES"}, rows)
	})
	list.Flags().StringVarP(&format, "output", "o", "table", "json or table")
	revoke := &cobra.Command{Use: "revoke <id>", Short: "Revoke one of your keys", Args: cobra.ExactArgs(1)}
	clientCommand(revoke, func(ctx context.Context, c client, args []string) error {
		if err := c.do(ctx, http.MethodDelete, "/api/v1/keys/"+url.PathEscape(args[0]), nil, nil); err != nil {
			return err
		}
		fmt.Fprintf(revoke.OutOrStdout(), "key %s revoked\n", args[0])
		return nil
	})
	root.AddCommand(list, revoke)
	return root
}

func auditCommand() *cobra.Command {
	var brand, format, since, actor, target string
	var limit int
	cmd := &cobra.Command{Use: "audit", Short: "Read a brand's audit log (who changed what, when, from where)", Args: cobra.NoArgs}
	clientCommand(cmd, func(ctx context.Context, c client, _ []string) error {
		q := url.Values{"brand": {brand}}
		if since != "" {
			t, err := parseSince(since)
			if err != nil {
				return err
			}
			q.Set("since", t.Format(time.RFC3339))
		}
		for k, v := range map[string]string{"actor": actor, "target": target} {
			if v != "" {
				q.Set(k, v)
			}
		}
		if limit > 0 {
			q.Set("limit", fmt.Sprint(limit))
		}
		var page gateway.AuditPage
		if err := c.do(ctx, http.MethodGet, "/api/v1/audit?"+q.Encode(), nil, &page); err != nil {
			return err
		}
		rows := make([][]string, len(page.Items))
		for i, r := range page.Items {
			who := r.ActorEmail
			if who == "" {
				who = r.Actor
			}
			rows[i] = []string{r.At.Format(time.RFC3339), who, r.Action, r.Method + " " + r.Path, fmt.Sprint(r.Status), r.IP}
		}
		return output(cmd.OutOrStdout(), format, page, []string{"AT", "WHO", "ACTION", "REQUEST", "STATUS", "FROM"}, rows)
	})
	cmd.Flags().StringVar(&brand, "brand", "", "brand id")
	cmd.Flags().StringVarP(&format, "output", "o", "table", "json, table or csv")
	cmd.Flags().StringVar(&since, "since", "", "from: 2026-11-01, an RFC 3339 time or a duration like 72h")
	cmd.Flags().StringVar(&actor, "actor", "", "only this user id or email")
	cmd.Flags().StringVar(&target, "target", "", "only records naming this resource (an interaction id: who touched it)")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many records (1 to 1000)")
	_ = cmd.MarkFlagRequired("brand")
	return cmd
}
