package main_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	community "github.com/ruche-project/ruche/events/community/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/publishing"
)

// TestShortLinks publishes with short links on real NATS and the sandbox:
// the network receives the short link, a click resolves only the
// recorded target (with its UTM parameters) and is counted with a keyed
// visitor, a bot's is not, a redelivered request draws no new code.
func TestShortLinks(t *testing.T) {
	conn := testkit.NATS(t)
	sb := startSandbox(t, nil)
	cfg := testPublishingConfig()
	cfg.LinksBaseURL = "https://ruche.example/l/"
	p := startPublishing(t, conn, cfg)
	p.account(t, "sandbox", "sandbox", sb.url)
	ctx := context.Background()
	set, err := rpc.Ask(ctx, p.client, query.PutLinkSettings, query.LinkSettings{Brand: pubBrand, Shorten: true, UTM: true})
	if err != nil || !set.Shorten || set.BaseURL != "https://ruche.example/l/" {
		t.Fatalf("settings %+v %v", set, err)
	}
	text := "Le menu d'hiver : https://cafe.example/menu?plat=soupe, à bientôt !"
	p.approve(t, "ap-links", publishv1.KindPost, text)
	post := publishv1.Requested{ID: "post-links", Kind: publishv1.KindPost, ApprovalID: "ap-links", Variants: []publishv1.Variant{{Network: "sandbox", Text: text}}}
	p.request(t, post)
	if pub := p.settled(t, "post-links"); pub.State != "published" {
		t.Fatalf("publication %+v", pub)
	}
	var sent string
	for s := range sb.Received().PostsByText {
		if strings.HasPrefix(s, "Le menu d'hiver") {
			sent = s
		}
	}
	m := regexp.MustCompile(`^Le menu d'hiver : https://ruche\.example/l/([0-9A-Za-z]{16}), à bientôt !$`).FindStringSubmatch(sent)
	if m == nil {
		t.Fatalf("the network received %q", sent)
	}
	code := m[1]

	links, err := conn.JS.KeyValue(ctx, publishing.LinksBucket)
	if err != nil {
		t.Fatal(err)
	}
	codes := func() int {
		lister, err := links.ListKeysFiltered(ctx, "code.*")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for range lister.Keys() {
			n++
		}
		return n
	}
	p.request(t, post) // redelivered
	time.Sleep(300 * time.Millisecond)
	if n := codes(); n != 1 {
		t.Fatalf("%d codes after a redelivery, want 1", n)
	}

	clicks := make(chan *nats.Msg, 8)
	sub, err := conn.NC.ChanSubscribe("ruche.community.link_clicked.v1."+pubBrand, clicks)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	open, err := rpc.Ask(ctx, p.client, query.OpenLink, query.OpenLinkRequest{Code: code, Address: "203.0.113.7"})
	want := "https://cafe.example/menu?plat=soupe&utm_campaign=ruche&utm_medium=social&utm_source=sandbox"
	if err != nil || open.Target != want || !open.Counted {
		t.Fatalf("open %+v %v", open, err)
	}
	var c community.LinkClicked
	select {
	case msg := <-clicks:
		c = decodeEvent[community.LinkClicked](t, msg.Data)
	case <-time.After(5 * time.Second):
		t.Fatal("no link_clicked event")
	}
	if err := c.Validate(); err != nil || c.RequestID != "post-links" || c.Network != "sandbox" || c.Target != want ||
		len(c.Visitor) != 32 || strings.Contains(c.Visitor, "203.0.113") {
		t.Fatalf("click %+v: %v", c, err)
	}
	again, _ := rpc.Ask(ctx, p.client, query.OpenLink, query.OpenLinkRequest{Code: code, Address: "203.0.113.7"})
	if again.Counted {
		if c2 := decodeEvent[community.LinkClicked](t, (<-clicks).Data); c2.Visitor != c.Visitor || c2.ID == c.ID {
			t.Fatalf("the same visitor twice: %+v then %+v", c, c2)
		}
	}
	if bot, err := rpc.Ask(ctx, p.client, query.OpenLink, query.OpenLinkRequest{Code: code, Address: "198.51.100.1", Bot: true}); err != nil || bot.Counted || bot.Target != want {
		t.Fatalf("a bot: %+v %v", bot, err)
	}
	select {
	case msg := <-clicks:
		t.Fatalf("a bot's click counted: %s", msg.Data)
	case <-time.After(300 * time.Millisecond):
	}
	for _, bad := range []string{"unknown", strings.ToLower(code), code + "x", "../../etc/passwd"} {
		_, err := rpc.Ask(ctx, p.client, query.OpenLink, query.OpenLinkRequest{Code: bad, Address: "203.0.113.7"})
		var re *rpc.Error
		if !errors.As(err, &re) || re.Code != query.CodeNotFound {
			t.Fatalf("code %q: %v", bad, err)
		}
	}

	// Off: the text goes as approved.
	if _, err := rpc.Ask(ctx, p.client, query.PutLinkSettings, query.LinkSettings{Brand: pubBrand}); err != nil {
		t.Fatal(err)
	}
	plain := "Nouveau : https://cafe.example/brunch"
	p.approve(t, "ap-plain", publishv1.KindPost, plain)
	p.request(t, publishv1.Requested{ID: "post-plain", Kind: publishv1.KindPost, ApprovalID: "ap-plain", Variants: []publishv1.Variant{{Network: "sandbox", Text: plain}}})
	p.settled(t, "post-plain")
	if sb.Received().PostsByText[plain] != 1 || codes() != 1 {
		t.Fatalf("with short links off: %v, %d codes", sb.Received().PostsByText, codes())
	}
}
