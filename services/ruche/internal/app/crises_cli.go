package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	query "github.com/ruche-project/ruche/events/query/v1"
)

// crisesCommand lists a brand's crises and manages its crisis webhook
// through the gateway.
func crisesCommand() *cobra.Command {
	var brand, status string
	var limit int
	var asJSON bool
	root := clientCommand(&cobra.Command{Use: "crises", Short: "List a brand's crises, open and past, with their evidence (through the gateway)", Args: cobra.NoArgs},
		func(ctx context.Context, c client, _ []string) error {
			q := url.Values{"brand": {brand}}
			if status != "" {
				q.Set("status", status)
			}
			if limit != 0 {
				q.Set("limit", fmt.Sprint(limit))
			}
			var resp query.ListCrisesResponse
			if err := c.do(ctx, http.MethodGet, "/api/v1/crises?"+q.Encode(), nil, &resp); err != nil {
				return err
			}
			if asJSON {
				return printJSON(os.Stdout, resp)
			}
			printCrises(os.Stdout, resp)
			return nil
		})
	root.Flags().StringVar(&status, "status", "", "open or resolved (default: both)")
	root.Flags().IntVar(&limit, "limit", 0, "at most N crises (default 20)")
	root.Flags().BoolVar(&asJSON, "json", false, "print JSON (every window and sample)")

	var rotate bool
	hook := &cobra.Command{Use: "webhook", Short: "Show, set or remove the brand's crisis webhook (signed POSTs on detection and resolution)"}
	show := clientCommand(&cobra.Command{Use: "show", Short: "Show the webhook's URL", Args: cobra.NoArgs},
		func(ctx context.Context, c client, _ []string) error {
			var resp query.CrisisWebhook
			if err := c.do(ctx, http.MethodGet, "/api/v1/crises/webhook?brand="+url.QueryEscape(brand), nil, &resp); err != nil {
				return err
			}
			fmt.Printf("brand %s: %s (updated %s by %s)\n", resp.Brand, resp.URL, resp.UpdatedAt.Format("2006-01-02 15:04"), resp.UpdatedBy)
			return nil
		})
	set := clientCommand(&cobra.Command{Use: "set <url>", Short: "Send crisis notifications to url (the signing secret is printed once)", Args: cobra.ExactArgs(1)},
		func(ctx context.Context, c client, args []string) error {
			var resp query.CrisisWebhook
			body := map[string]any{"url": args[0], "rotate_secret": rotate}
			if err := c.do(ctx, http.MethodPut, "/api/v1/crises/webhook?brand="+url.QueryEscape(brand), body, &resp); err != nil {
				return err
			}
			fmt.Printf("brand %s: crisis notifications go to %s\n", resp.Brand, resp.URL)
			if resp.Secret != "" {
				fmt.Printf("signing secret (shown once, keep it): %s\n", resp.Secret)
			}
			return nil
		})
	set.Flags().BoolVar(&rotate, "rotate-secret", false, "draw a new signing secret")
	rm := clientCommand(&cobra.Command{Use: "remove", Short: "Stop crisis notifications", Args: cobra.NoArgs},
		func(ctx context.Context, c client, _ []string) error {
			if err := c.do(ctx, http.MethodPut, "/api/v1/crises/webhook?brand="+url.QueryEscape(brand), map[string]string{"url": ""}, nil); err != nil {
				return err
			}
			fmt.Printf("brand %s: crisis webhook removed\n", brand)
			return nil
		})
	for _, c := range []*cobra.Command{root, show, set, rm} {
		c.Flags().StringVar(&brand, "brand", "", "brand id")
		_ = c.MarkFlagRequired("brand")
	}
	hook.AddCommand(show, set, rm)
	root.AddCommand(hook)
	return root
}

// printCrises prints one block per crisis: its numbers, terms and first
// samples.
func printCrises(w io.Writer, resp query.ListCrisesResponse) {
	if len(resp.Crises) == 0 {
		fmt.Fprintf(w, "brand %s: no crisis\n", resp.Brand)
		return
	}
	for _, c := range resp.Crises {
		end := "ongoing"
		if c.ResolvedAt != nil {
			end = "resolved " + c.ResolvedAt.Format("2006-01-02 15:04")
		}
		fmt.Fprintf(w, "%s  %s  opened %s, %s\n", c.ID, strings.ToUpper(c.Status), c.OpenedAt.Format("2006-01-02 15:04"), end)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "  trigger\t%s\n", c.Trigger)
		fmt.Fprintf(tw, "  opening window\t%d interactions, %.0f %% negative (usual %.1f, %.0f %%)\n", c.Volume, 100*c.NegativeShare, c.BaselineVolume, 100*c.BaselineNegativeShare)
		fmt.Fprintf(tw, "  whole crisis\t%d interactions, %d negative, peak %d a window\n", c.TotalVolume, c.TotalNegative, c.PeakVolume)
		fmt.Fprintf(tw, "  top terms\t%s\n", strings.Join(c.TopTerms, ", "))
		tw.Flush()
		for i, s := range c.Samples {
			if i == 3 {
				fmt.Fprintf(w, "  … %d more samples (--json)\n", len(c.Samples)-i)
				break
			}
			fmt.Fprintf(w, "  - %s: %s\n", s.InteractionID, s.Text)
		}
		fmt.Fprintln(w)
	}
}
