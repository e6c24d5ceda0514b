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

// accountsCommand manages a brand's connected network accounts through the
// gateway: `ruche accounts add|list|rm`.
func accountsCommand() *cobra.Command {
	root := &cobra.Command{Use: "accounts", Short: "Manage a brand's connected network accounts, the ones Ruche publishes from (through the gateway)"}
	var brand, id, network, handle, token string
	var settings []string
	add := clientCommand(&cobra.Command{
		Use:   "add",
		Short: "Connect or update an account; --token name=@file keeps it out of shell history (empty keeps the stored token)",
		Args:  cobra.NoArgs,
	}, func(ctx context.Context, c client, _ []string) error {
		spec := query.AccountSpec{ID: id, Brand: brand, Network: network, Handle: handle}
		var err error
		if spec.Settings, err = keyValues("--setting", settings, false); err != nil {
			return err
		}
		if token != "" {
			tok, err := keyValues("--token", []string{"token=" + token}, true)
			if err != nil {
				return err
			}
			spec.Token = tok["token"]
		}
		var v query.AccountView
		if err := c.do(ctx, http.MethodPost, "/api/v1/accounts", spec, &v); err != nil {
			return err
		}
		fmt.Printf("account %s (%s) saved for brand %s; token stored: %t\n", v.ID, v.Network, v.Brand, v.HasToken)
		return nil
	})
	add.Flags().StringVar(&id, "id", "", "account id within the brand (a-z, 0-9, '-', '_')")
	add.Flags().StringVar(&network, "network", "", "network: sandbox, mastodon, bluesky, meta, x, linkedin, youtube")
	add.Flags().StringVar(&handle, "handle", "", "the account on the network, e.g. @cafe@piaille.fr")
	add.Flags().StringVar(&token, "token", "", "access token, or @file to read it from a file")
	add.Flags().StringArrayVar(&settings, "setting", nil, "a setting, name=value (repeatable), e.g. url=https://piaille.fr")
	list := clientCommand(&cobra.Command{Use: "list", Short: "List a brand's accounts with their health", Args: cobra.NoArgs},
		func(ctx context.Context, c client, _ []string) error {
			var resp query.ListAccountsResponse
			if err := c.do(ctx, http.MethodGet, "/api/v1/accounts?brand="+url.QueryEscape(brand), nil, &resp); err != nil {
				return err
			}
			printAccounts(os.Stdout, resp.Accounts)
			return nil
		})
	rm := clientCommand(&cobra.Command{Use: "rm <id>", Short: "Disconnect an account", Args: cobra.ExactArgs(1)},
		func(ctx context.Context, c client, args []string) error {
			if err := c.do(ctx, http.MethodDelete, "/api/v1/accounts/"+url.PathEscape(args[0])+"?brand="+url.QueryEscape(brand), nil, nil); err != nil {
				return err
			}
			fmt.Printf("account %s disconnected\n", args[0])
			return nil
		})
	for _, c := range []*cobra.Command{add, list, rm} {
		c.Flags().StringVar(&brand, "brand", "", "brand id")
		_ = c.MarkFlagRequired("brand")
	}
	_ = add.MarkFlagRequired("id")
	_ = add.MarkFlagRequired("network")
	root.AddCommand(add, list, rm)
	return root
}

func printAccounts(w io.Writer, accts []query.AccountView) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	fmt.Fprintln(tw, "ID\tNETWORK\tHANDLE\tTOKEN\tSTATUS\tLAST SUCCESS\tLAST ERROR\tRATE LIMITED UNTIL")
	for _, a := range accts {
		h := a.Health
		lastErr := "-"
		if h.LastError != nil {
			lastErr = stamp(h.LastError) + " " + strings.ReplaceAll(h.LastErrorText, "\t", " ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%s\t%s\t%s\t%s\n", a.ID, a.Network, orDash(a.Handle), a.HasToken, h.Status, stamp(h.LastSuccess), lastErr, stamp(h.RateLimitedUntil))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
