package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	casev1 "github.com/ruche-project/ruche/events/case/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
)

// policyCommand edits a brand's moderation policy through the gateway.
func policyCommand() *cobra.Command {
	root := &cobra.Command{Use: "policy", Short: "Show, save, activate and dry-run a brand's moderation policy (through the gateway)"}
	var brand string
	var version, base, days, limit int
	var asJSON bool
	get := clientCommand(&cobra.Command{Use: "get", Short: "Show the active policy (or --version) and the history", Args: cobra.NoArgs},
		func(ctx context.Context, c client, _ []string) error {
			var resp query.GetPolicyResponse
			path := fmt.Sprintf("/api/v1/policies?brand=%s&version=%d", url.QueryEscape(brand), version)
			if err := c.do(ctx, http.MethodGet, path, nil, &resp); err != nil {
				return err
			}
			if asJSON {
				return printJSON(os.Stdout, resp)
			}
			fmt.Printf("brand %s: active version %d (0 = built-in), latest %d\n", resp.Brand, resp.Active, resp.Latest)
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tSAVED AT\tBY\tNOTE")
			for _, v := range resp.Versions {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", v.Version, v.SavedAt.Format("2006-01-02 15:04"), v.SavedBy, v.Note)
			}
			tw.Flush()
			if resp.Policy != nil {
				fmt.Printf("\n# version %d\n", resp.Policy.Version)
				out, _ := yaml.Marshal(resp.Policy.Document)
				os.Stdout.Write(out)
			}
			if resp.Policy == nil || resp.Policy.Document.Extends == "builtin" {
				fmt.Println("\n# built-in rules (version 0; a document with `extends: builtin` starts from them)")
				tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "RULE\tWHEN\tTHEN\tWHAT")
				for _, r := range resp.Builtin {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, r.When, strings.Join(r.Then, ", "), r.DescriptionEN)
				}
				tw.Flush()
			}
			return nil
		})
	get.Flags().IntVar(&version, "version", 0, "version to show (0: the active one)")
	get.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	set := clientCommand(&cobra.Command{Use: "set <file.yaml|file.json>", Short: "Save a policy file as a new version (not active until activated)", Args: cobra.ExactArgs(1)},
		func(ctx context.Context, c client, args []string) error {
			doc, err := readPolicyFile(args[0])
			if err != nil {
				return err
			}
			if base < 0 { // the latest version, read now
				var cur query.GetPolicyResponse
				if err := c.do(ctx, http.MethodGet, "/api/v1/policies?brand="+url.QueryEscape(brand), nil, &cur); err != nil {
					return err
				}
				base = cur.Latest
			}
			var v query.PolicyVersion
			body := map[string]any{"base_version": base, "document": doc}
			if err := c.do(ctx, http.MethodPut, "/api/v1/policies?brand="+url.QueryEscape(brand), body, &v); err != nil {
				return err
			}
			fmt.Printf("policy version %d saved for brand %s; dry-run it, then: ruche policy activate %d --brand %s\n", v.Version, v.Brand, v.Version, v.Brand)
			return nil
		})
	set.Flags().IntVar(&base, "base", -1, "version the edit started from (default: the latest; a newer save meanwhile is a conflict)")

	activate := clientCommand(&cobra.Command{Use: "activate <version>", Short: "Put a saved version in force (0: the built-in policy)", Args: cobra.ExactArgs(1)},
		func(ctx context.Context, c client, args []string) error {
			var v int
			if _, err := fmt.Sscan(args[0], &v); err != nil {
				return fmt.Errorf("version %q: want a number", args[0])
			}
			var resp query.ActivatePolicyResponse
			if err := c.do(ctx, http.MethodPost, "/api/v1/policies/activate?brand="+url.QueryEscape(brand), map[string]int{"version": v}, &resp); err != nil {
				return err
			}
			fmt.Printf("brand %s now moderated with policy version %d\n", resp.Brand, resp.Active)
			return nil
		})

	dry := clientCommand(&cobra.Command{Use: "dry-run <file.yaml|file.json>", Short: "Replay a draft against past interactions and show what would change", Args: cobra.ExactArgs(1)},
		func(ctx context.Context, c client, args []string) error {
			doc, err := readPolicyFile(args[0])
			if err != nil {
				return err
			}
			var resp query.DryRunPolicyResponse
			body := map[string]any{"document": doc, "days": days, "limit": limit}
			if err := c.do(ctx, http.MethodPost, "/api/v1/policies/dry-run?brand="+url.QueryEscape(brand), body, &resp); err != nil {
				return err
			}
			if asJSON {
				return printJSON(os.Stdout, resp)
			}
			printDryRun(os.Stdout, resp)
			return nil
		})
	dry.Flags().IntVar(&days, "days", 0, "replay the last N days (default 7)")
	dry.Flags().IntVar(&limit, "limit", 0, "replay at most N interactions (default 1000)")
	dry.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	for _, c := range []*cobra.Command{get, set, activate, dry} {
		c.Flags().StringVar(&brand, "brand", "", "brand id")
		_ = c.MarkFlagRequired("brand")
	}
	root.AddCommand(get, set, activate, dry)
	return root
}

// readPolicyFile reads a policy document from YAML or JSON, refusing
// unknown fields so that a typo is not silently ignored.
func readPolicyFile(path string) (json.RawMessage, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	raw := b
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".yaml" || ext == ".yml" {
		var v any
		if err := yaml.Unmarshal(b, &v); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if raw, err = json.Marshal(v); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var doc query.PolicyDocument
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return raw, nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func printDryRun(w io.Writer, r query.DryRunPolicyResponse) {
	fmt.Fprintf(w, "brand %s: %d interactions replayed, %d would change (active version %d → draft)\n\n", r.Brand, r.Items, r.Changed, r.ActiveVersion)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\tBEFORE\tAFTER")
	for _, kind := range []struct {
		name          string
		before, after map[string]int
	}{{"verdict", r.Before.Verdicts, r.After.Verdicts}, {"action", r.Before.Actions, r.After.Actions}} {
		keys := []string{}
		for k := range kind.before {
			keys = append(keys, k)
		}
		for k := range kind.after {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(tw, "%s %s\t%d\t%d\n", kind.name, k, kind.before[k], kind.after[k])
		}
	}
	tw.Flush()
	if len(r.Sample) > 0 {
		fmt.Fprintln(w, "\nsample of changes:")
	}
	for _, c := range r.Sample {
		fmt.Fprintf(w, "- %s: %s %v → %s %v (rules %v)\n  %q\n", c.InteractionID, c.Before.Verdict, c.Before.Actions, c.After.Verdict, c.After.Actions, c.After.RuleHits, c.Text)
	}
}

// casesCommand claims, releases and decides cases through the gateway; the
// moderator is the API key.
func casesCommand() *cobra.Command {
	root := &cobra.Command{Use: "cases", Short: "Claim, release and decide moderation cases (through the gateway)"}
	var brand, assignee, reason, network string
	path := func(id, verb string) string {
		return "/api/v1/cases/" + url.PathEscape(id) + "/" + verb + "?brand=" + url.QueryEscape(brand)
	}
	claim := clientCommand(&cobra.Command{Use: "claim <interaction-id>", Short: "Claim a case for a few minutes (or renew your claim)", Args: cobra.ExactArgs(1)},
		func(ctx context.Context, c client, args []string) error {
			var cl query.CaseClaim
			if err := c.do(ctx, http.MethodPost, path(args[0], "claim"), nil, &cl); err != nil {
				return err
			}
			fmt.Printf("case %s claimed by %s until %s\n", cl.InteractionID, cl.Moderator, cl.ExpiresAt.Format("15:04:05"))
			return nil
		})
	release := clientCommand(&cobra.Command{Use: "release <interaction-id>", Short: "Release your claim", Args: cobra.ExactArgs(1)},
		func(ctx context.Context, c client, args []string) error {
			if err := c.do(ctx, http.MethodPost, path(args[0], "release"), nil, nil); err != nil {
				return err
			}
			fmt.Printf("case %s released\n", args[0])
			return nil
		})
	decide := clientCommand(&cobra.Command{Use: "decide <interaction-id> <" + decisionNames() + ">", Short: "Record a decision", Args: cobra.ExactArgs(2)},
		func(ctx context.Context, c client, args []string) error {
			var resp query.DecideCaseResponse
			body := map[string]string{"decision": args[1], "assignee": assignee, "reason": reason, "network": network}
			if err := c.do(ctx, http.MethodPost, path(args[0], "decide"), body, &resp); err != nil {
				return err
			}
			fmt.Printf("%s: %s by %s", resp.Decided.InteractionID, resp.Decided.Decision, resp.Decided.Moderator)
			if resp.Publish != "" {
				fmt.Printf(" (publishing asked to %s it)", resp.Publish)
			}
			fmt.Println()
			return nil
		})
	var add, remove []string
	correct := clientCommand(&cobra.Command{Use: "correct <interaction-id>", Short: "Correct the automatic labels (--add/--remove spam, toxicity, threat, sentiment:<label>); the brand's next similar texts take the correction", Args: cobra.ExactArgs(1)},
		func(ctx context.Context, c client, args []string) error {
			var resp casev1.Corrected
			body := map[string]any{"add": add, "remove": remove, "reason": reason}
			if err := c.do(ctx, http.MethodPost, path(args[0], "correct"), body, &resp); err != nil {
				return err
			}
			fmt.Printf("%s corrected by %s: add %v, remove %v (labels were %v)\n", resp.InteractionID, resp.Moderator, resp.Add, resp.Remove, resp.Labels)
			return nil
		})
	correct.Flags().StringSliceVar(&add, "add", nil, "labels the automatic decision missed")
	correct.Flags().StringSliceVar(&remove, "remove", nil, "labels the automatic decision gave wrongly")
	correct.Flags().StringVar(&reason, "reason", "", "why")
	decide.Flags().StringVar(&assignee, "assignee", "", "moderator to hand the case to (assign)")
	decide.Flags().StringVar(&reason, "reason", "", "why")
	decide.Flags().StringVar(&network, "network", "", "the interaction's network (passed on to publishing)")
	for _, c := range []*cobra.Command{claim, release, decide, correct} {
		c.Flags().StringVar(&brand, "brand", "", "brand id")
		_ = c.MarkFlagRequired("brand")
	}
	root.AddCommand(claim, release, decide, correct)
	return root
}

func decisionNames() string {
	s := make([]string, len(casev1.Decisions))
	for i, d := range casev1.Decisions {
		s[i] = string(d)
	}
	return strings.Join(s, "|")
}
