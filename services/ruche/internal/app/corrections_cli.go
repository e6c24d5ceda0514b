package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	query "github.com/ruche-project/ruche/events/query/v1"
)

// correctionsCommand prints a brand's corrections report: the most
// corrected labels and the latest corrections, or the corrections as
// training examples for `go run ./cmd/train -corrections`.
func correctionsCommand() *cobra.Command {
	var brand string
	var limit int
	var asJSON, training bool
	root := clientCommand(&cobra.Command{Use: "corrections", Short: "The most corrected moderation labels and the latest corrections (through the gateway)", Args: cobra.NoArgs},
		func(ctx context.Context, c client, _ []string) error {
			q := url.Values{"brand": {brand}}
			if limit != 0 {
				q.Set("limit", fmt.Sprint(limit))
			}
			var resp query.ListCorrectionsResponse
			if err := c.do(ctx, http.MethodGet, "/api/v1/corrections?"+q.Encode(), nil, &resp); err != nil {
				return err
			}
			switch {
			case training:
				enc := json.NewEncoder(os.Stdout)
				for _, x := range resp.Corrections {
					if err := enc.Encode(x); err != nil {
						return err
					}
				}
				return nil
			case asJSON:
				return printJSON(os.Stdout, resp)
			}
			printCorrections(os.Stdout, resp)
			return nil
		})
	root.Flags().StringVar(&brand, "brand", "", "brand id")
	_ = root.MarkFlagRequired("brand")
	root.Flags().IntVar(&limit, "limit", 0, "at most N corrections listed (default 50, at most 1000)")
	root.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	root.Flags().BoolVar(&training, "training", false, "print the corrections one JSON object a line (go run ./cmd/train -corrections FILE)")
	return root
}

func printCorrections(w io.Writer, r query.ListCorrectionsResponse) {
	fmt.Fprintf(w, "%d corrections\n", r.Total)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LABEL\tMISSED\tWRONG\tWRONG BY")
	for _, l := range r.Labels {
		by := make([]string, 0, len(l.By))
		for k, n := range l.By {
			by = append(by, fmt.Sprintf("%s ×%d", k, n))
		}
		sort.Strings(by)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", l.Label, l.Added, l.Removed, strings.Join(by, ", "))
	}
	_ = tw.Flush()
	for _, c := range r.Corrections {
		fmt.Fprintf(w, "- %s %s by %s (%s): add %v, remove %v\n  %q\n", c.CorrectedAt.Format("2006-01-02 15:04"), c.InteractionID, c.Moderator, c.Source, c.Add, c.Remove, c.Text)
	}
}
