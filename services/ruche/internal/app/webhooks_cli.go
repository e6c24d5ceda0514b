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

// webhooksCommand manages a brand's outbound webhooks through the gateway.
func webhooksCommand() *cobra.Command {
	var brand, description string
	var events []string
	var limit int
	var rotate, paused bool
	root := &cobra.Command{Use: "webhooks", Short: "A brand's outbound webhooks: signed POSTs of its events to your systems"}
	path := func(id string) string {
		p := "/api/v1/webhooks"
		if id != "" {
			p += "/" + url.PathEscape(id)
		}
		return p + "?brand=" + url.QueryEscape(brand)
	}
	list := clientCommand(&cobra.Command{Use: "list", Short: "List the webhooks", Args: cobra.NoArgs},
		func(ctx context.Context, c client, _ []string) error {
			var resp query.WebhookList
			if err := c.do(ctx, http.MethodGet, path(""), nil, &resp); err != nil {
				return err
			}
			printWebhooks(os.Stdout, resp.Webhooks)
			return nil
		})
	put := func(ctx context.Context, c client, method, id, u string) error {
		active := !paused
		body := map[string]any{"url": u, "events": events, "description": description, "active": active}
		if rotate {
			body["rotate_secret"] = true
		}
		var resp query.Webhook
		if err := c.do(ctx, method, path(id), body, &resp); err != nil {
			return err
		}
		fmt.Printf("webhook %s: %s ← %s\n", resp.ID, resp.URL, strings.Join(resp.Events, ", "))
		if resp.Secret != "" {
			fmt.Printf("signing secret (shown once, keep it): %s\n", resp.Secret)
		}
		return nil
	}
	add := clientCommand(&cobra.Command{Use: "add <url>", Short: "Subscribe url to events (the signing secret is printed once)", Args: cobra.ExactArgs(1)},
		func(ctx context.Context, c client, args []string) error {
			return put(ctx, c, http.MethodPost, "", args[0])
		})
	update := clientCommand(&cobra.Command{Use: "update <id> <url>", Short: "Change a webhook (--rotate-secret draws a new secret)", Args: cobra.ExactArgs(2)},
		func(ctx context.Context, c client, args []string) error {
			return put(ctx, c, http.MethodPut, args[0], args[1])
		})
	update.Flags().BoolVar(&rotate, "rotate-secret", false, "draw a new signing secret")
	rm := clientCommand(&cobra.Command{Use: "rm <id>", Short: "Remove a webhook", Args: cobra.ExactArgs(1)},
		func(ctx context.Context, c client, args []string) error {
			if err := c.do(ctx, http.MethodDelete, path(args[0]), nil, nil); err != nil {
				return err
			}
			fmt.Printf("webhook %s removed\n", args[0])
			return nil
		})
	deliveries := clientCommand(&cobra.Command{Use: "deliveries <id>", Short: "A webhook's delivery log, newest first", Args: cobra.ExactArgs(1)},
		func(ctx context.Context, c client, args []string) error {
			p := strings.Replace(path(args[0]), "?", "/deliveries?", 1)
			if limit > 0 {
				p += fmt.Sprintf("&limit=%d", limit)
			}
			var resp query.WebhookDeliveries
			if err := c.do(ctx, http.MethodGet, p, nil, &resp); err != nil {
				return err
			}
			printDeliveries(os.Stdout, resp.Deliveries)
			return nil
		})
	deliveries.Flags().IntVar(&limit, "limit", 0, "at most N deliveries (default 50)")
	for _, cmd := range []*cobra.Command{add, update} {
		cmd.Flags().StringSliceVar(&events, "events", []string{"*"}, "events to send: crisis.detected, draft.*, publish.failed... or *")
		cmd.Flags().StringVar(&description, "description", "", "what the receiver is")
		cmd.Flags().BoolVar(&paused, "paused", false, "keep it but send nothing")
	}
	for _, cmd := range []*cobra.Command{list, add, update, rm, deliveries} {
		cmd.Flags().StringVar(&brand, "brand", "", "brand id")
		_ = cmd.MarkFlagRequired("brand")
	}
	root.AddCommand(list, add, update, rm, deliveries)
	return root
}

func printWebhooks(w io.Writer, hooks []query.Webhook) {
	if len(hooks) == 0 {
		fmt.Fprintln(w, "no webhook")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tURL\tEVENTS\tACTIVE\tDESCRIPTION")
	for _, h := range hooks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\n", h.ID, h.URL, strings.Join(h.Events, ","), h.Active, h.Description)
	}
	tw.Flush()
}

func printDeliveries(w io.Writer, ds []query.WebhookDelivery) {
	if len(ds) == 0 {
		fmt.Fprintln(w, "no delivery")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DELIVERY\tEVENT\tSTATE\tATTEMPTS\tSTATUS\tCREATED\tERROR")
	for _, d := range ds {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", d.ID, d.Event, d.State, d.Attempts, d.LastStatus, d.CreatedAt.Format("2006-01-02 15:04:05"), d.LastError)
	}
	tw.Flush()
}
