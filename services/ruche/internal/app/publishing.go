package app

import (
	"context"
	"fmt"
	"strings"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/netguard"
	"github.com/ruche-project/ruche/services/publishing"
	"github.com/ruche-project/ruche/services/publishing/webhooks"
)

func (a *App) initPublishing() (runner, error) {
	cfg := a.cfg.Publishing
	if a.mode == ModeUp {
		// The sandbox network, a dev Mastodon, live on loopback.
		cfg.NetworksAllowLocal = true
	}
	switch {
	case cfg.LinksBaseURL != "":
	case a.cfg.Gateway.PublicURL != "":
		// Short links are the gateway's /l/, where people reach it.
		cfg.LinksBaseURL = strings.TrimRight(a.cfg.Gateway.PublicURL, "/") + "/l/"
	case a.mode == ModeUp:
		// A local `ruche up`: the gateway's own address, as the demo
		// invitation's.
		cfg.LinksBaseURL = "http://" + hostPort(a.cfg.Gateway.Addr) + "/l/"
	}
	svc, err := publishing.New(cfg, publishing.Deps{
		Router: a.router, Logger: a.log, NATS: a.conn.NC, JS: a.conn.JS, Replicas: a.conn.Replicas(), Box: a.box,
		// Outbound webhooks may reach loopback only on a local `ruche up`.
		WebhookClient: netguard.Client(webhooks.DefaultConfig.Timeout, a.mode == ModeUp),
	})
	if err != nil {
		return nil, err
	}
	if a.sandboxURL != "" {
		// `ruche up`: the demo brand's account on the sandbox network, so
		// that hides and approved replies reach it.
		ctx, cancel := context.WithTimeout(context.Background(), a.cfg.NATS.ConnectTimeout)
		defer cancel()
		brand := a.cfg.Sandbox.brand(a.cfg.Demo)
		_, err := svc.Accounts().Put(ctx, query.AccountSpec{ID: "sandbox", Brand: brand, Network: "sandbox", Handle: brand,
			Settings: map[string]string{publishing.SettingURL: a.sandboxURL}})
		if err != nil {
			return nil, fmt.Errorf("sandbox publishing account: %w", err)
		}
	}
	return svc, nil
}
