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

	"github.com/spf13/cobra"
)

// privacyCommand answers a data subject's requests through the gateway:
// export everything held about one author, or erase them.
func privacyCommand() *cobra.Command {
	var brand, network, author, reason, output string
	root := &cobra.Command{Use: "privacy", Short: "Export or erase everything held about one author (GDPR requests)"}
	export := clientCommand(&cobra.Command{Use: "export", Short: "Write everything held about an author as one JSON file", Args: cobra.NoArgs},
		func(ctx context.Context, c client, _ []string) error {
			q := url.Values{"brand": {brand}, "network": {network}, "author_id": {author}}
			var raw json.RawMessage
			if err := c.do(ctx, http.MethodGet, "/api/v1/privacy/export?"+q.Encode(), nil, &raw); err != nil {
				return err
			}
			var w io.Writer = os.Stdout
			if output != "" && output != "-" {
				f, err := os.OpenFile(output, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			var out bytes.Buffer
			if err := json.Indent(&out, raw, "", "  "); err != nil {
				return err
			}
			out.WriteByte('\n')
			_, err := out.WriteTo(w)
			if err == nil && w != os.Stdout {
				fmt.Printf("export of %s on %s written to %s\n", author, network, output)
			}
			return err
		})
	export.Flags().StringVarP(&output, "output", "o", "", "file to create (owner-only; default: standard output)")
	erase := clientCommand(&cobra.Command{Use: "erase", Short: "Erase an author everywhere (pseudonymised where counts need the rows); recorded in the audit log", Args: cobra.NoArgs},
		func(ctx context.Context, c client, _ []string) error {
			var resp struct {
				ID           string `json:"id"`
				Pseudonym    string `json:"pseudonym"`
				Interactions int    `json:"interactions"`
			}
			body := map[string]string{"network": network, "author_id": author, "reason": reason}
			if err := c.do(ctx, http.MethodPost, "/api/v1/privacy/erasures?brand="+url.QueryEscape(brand), body, &resp); err != nil {
				return err
			}
			fmt.Printf("erasure %s accepted: %d interactions now under %s\n", resp.ID, resp.Interactions, resp.Pseudonym)
			return nil
		})
	erase.Flags().StringVar(&reason, "reason", "", "why (kept in the audit log)")
	for _, cmd := range []*cobra.Command{export, erase} {
		cmd.Flags().StringVar(&brand, "brand", "", "brand id")
		cmd.Flags().StringVar(&network, "network", "", "the author's network (mastodon, bluesky...)")
		cmd.Flags().StringVar(&author, "author", "", "the author's id on the network")
		for _, f := range []string{"brand", "network", "author"} {
			_ = cmd.MarkFlagRequired(f)
		}
	}
	root.AddCommand(export, erase)
	return root
}
