// Package x receives mentions, replies and DMs from X (Twitter) through the
// Account Activity API.
package x

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

// X source secret and header.
const (
	ConsumerSecret = "consumer_secret"
	// XSignatureHeader carries "sha256=<base64 HMAC-SHA256 of the raw body>".
	SignatureHeader = "X-Twitter-Webhooks-Signature"
)

// Webhook receives mentions, replies and DMs through the Account Activity API.
type Webhook struct{}

// RequiredSecrets implements connector.Webhook.
func (Webhook) RequiredSecrets() []string { return []string{ConsumerSecret} }

// Name implements connector.Webhook.
func (Webhook) Name() string { return "x" }

// CRCResponse is the response_token of X's challenge-response check:
// "sha256=" + base64(HMAC-SHA256(consumer secret, crc_token)).
func CRCResponse(consumerSecret []byte, crcToken string) string {
	mac := hmac.New(sha256.New, consumerSecret)
	mac.Write([]byte(crcToken))
	return "sha256=" + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Challenge implements connector.Webhook: the CRC check (GET ?crc_token=…).
func (Webhook) Challenge(q url.Values, src connector.Source) ([]byte, string, error) {
	secret, token := src.Secret(ConsumerSecret), q.Get("crc_token")
	if len(secret) == 0 || token == "" {
		return nil, "", connector.ErrBadChallenge
	}
	b, _ := json.Marshal(map[string]string{"response_token": CRCResponse(secret, token)})
	return b, "application/json", nil
}

// Verify implements connector.Webhook: x-twitter-webhooks-signature is the base64
// HMAC-SHA256 of the raw body keyed with the consumer secret.
func (Webhook) Verify(h http.Header, body []byte, src connector.Source) error {
	secret := src.Secret(ConsumerSecret)
	got, err := base64.StdEncoding.Strict().DecodeString(strings.TrimPrefix(strings.TrimSpace(h.Get(SignatureHeader)), "sha256="))
	if len(secret) == 0 || err != nil || len(got) != sha256.Size {
		return connector.ErrBadSignature
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return connector.ErrBadSignature
	}
	return nil
}

type xUser struct {
	ID             string `json:"id_str"`
	ScreenName     string `json:"screen_name"`
	Name           string `json:"name"`
	FollowersCount int64  `json:"followers_count"`
	Verified       bool   `json:"verified"`
}

type xTweet struct {
	ID                string `json:"id_str"`
	Text              string `json:"text"`
	CreatedAt         string `json:"created_at"`
	InReplyToStatusID string `json:"in_reply_to_status_id_str"`
	InReplyToUserID   string `json:"in_reply_to_user_id_str"`
	Lang              string `json:"lang"`
	User              xUser  `json:"user"`
	// A quote tweet carries the tweet it quotes.
	IsQuoteStatus  bool   `json:"is_quote_status"`
	QuotedStatusID string `json:"quoted_status_id_str"`
	QuotedStatus   *struct {
		User xUser `json:"user"`
	} `json:"quoted_status"`
	ExtendedTweet *struct {
		FullText string `json:"full_text"`
	} `json:"extended_tweet"`
	// An edit is a new tweet whose history starts at the tweet edited.
	EditHistory *struct {
		InitialTweetID string `json:"initial_tweet_id"`
	} `json:"edit_history"`
}

// xDeletion is a tweet_delete_events entry: the tweet deleted and when.
type xDeletion struct {
	Status struct {
		ID     string `json:"id"`
		UserID string `json:"user_id"`
	} `json:"status"`
	TimestampMS string `json:"timestamp_ms"`
}

type xDM struct {
	Type             string `json:"type"`
	ID               string `json:"id"`
	CreatedTimestamp string `json:"created_timestamp"`
	MessageCreate    struct {
		SenderID    string `json:"sender_id"`
		MessageData struct {
			Text string `json:"text"`
		} `json:"message_data"`
	} `json:"message_create"`
}

type xDelivery struct {
	ForUserID           string            `json:"for_user_id"`
	TweetCreateEvents   []json.RawMessage `json:"tweet_create_events"`
	DirectMessageEvents []json.RawMessage `json:"direct_message_events"`
	TweetDeleteEvents   []json.RawMessage `json:"tweet_delete_events"`
	Users               map[string]xUser  `json:"users"`
}

// Parse implements connector.Webhook. The account's own tweets and DMs are ignored;
// other activity types (likes, follows) are not interactions. An edited
// tweet comes as a new tweet whose edit_history names the tweet edited:
// it is that interaction (published if never received, as the edit may
// be what mentions the brand) and an edit of its text; tweet_delete_events
// are deletions.
func (Webhook) Parse(body []byte, src connector.Source, now time.Time) (connector.Delivery, error) {
	var d xDelivery
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&d); err != nil {
		return connector.Delivery{}, connector.DescribeJSONError(err)
	}
	if d.ForUserID == "" {
		return connector.Delivery{}, httpx.BadRequest("for_user_id", "is required")
	}
	if src.Account != "" && d.ForUserID != src.Account {
		return connector.Delivery{}, httpx.BadRequest("for_user_id", "%s is not the source's account", d.ForUserID)
	}
	var out connector.Delivery
	skip := func(i int, err error) {
		out.Skipped = append(out.Skipped, connector.Skipped{Index: i, Reason: err.Error()})
	}
	keep := func(i int, r v1.Received, err error) bool {
		if err == nil {
			r.Network, r.Brand, r.Account = "x", src.Brand, d.ForUserID
			r.ID, r.ReceivedAt, r.Source, r.SourceID = v1.InteractionID("x", r.PlatformID), now, v1.SourceWebhook, src.ID
			err = r.Validate()
		}
		if err != nil {
			skip(i, err)
			return false
		}
		out.Items = append(out.Items, r)
		return true
	}
	i := 0
	for _, raw := range d.TweetCreateEvents {
		var t xTweet
		err := json.Unmarshal(raw, &t)
		if err == nil && t.User.ID == d.ForUserID {
			i++
			continue
		}
		r, err := xTweetInteraction(t, d.ForUserID, err)
		if err == nil && t.EditHistory != nil && t.EditHistory.InitialTweetID != "" && t.EditHistory.InitialTweetID != t.ID {
			r.PlatformID = t.EditHistory.InitialTweetID
			if keep(i, r, nil) {
				id := v1.InteractionID("x", r.PlatformID)
				out.Updates = append(out.Updates, v1.Updated{ID: v1.UpdatedID(id, r.Text), InteractionID: id, Brand: src.Brand, Network: "x",
					Text: r.Text, Lang: r.Lang, EditedAt: r.CreatedAt, ReceivedAt: now, Source: v1.SourceWebhook, SourceID: src.ID})
			}
			i++
			continue
		}
		keep(i, r, err)
		i++
	}
	for _, raw := range d.DirectMessageEvents {
		var m xDM
		err := json.Unmarshal(raw, &m)
		if err == nil && (m.Type != "message_create" || m.MessageCreate.SenderID == d.ForUserID) {
			i++
			continue
		}
		var r v1.Received
		if err == nil {
			r, err = xDMInteraction(m, d.Users)
		}
		keep(i, r, err)
		i++
	}
	for _, raw := range d.TweetDeleteEvents {
		var e xDeletion
		err := json.Unmarshal(raw, &e)
		if err == nil && e.Status.UserID == d.ForUserID {
			i++ // the brand's own tweet
			continue
		}
		if err == nil {
			err = xDeleted(e, src, now, &out)
		}
		if err != nil {
			skip(i, fmt.Errorf("tweet_delete_events: %w", err))
		}
		i++
	}
	return out, nil
}

// xDeleted adds the deletion of a tweet_delete_events entry to out.
func xDeleted(e xDeletion, src connector.Source, now time.Time, out *connector.Delivery) error {
	at := now
	if e.TimestampMS != "" {
		t, err := connector.ParseUnixMillis(e.TimestampMS)
		if err != nil {
			return err
		}
		at = t
	}
	id := v1.InteractionID("x", e.Status.ID)
	del := v1.Deleted{ID: v1.DeletedID(id), InteractionID: id, Brand: src.Brand, Network: "x", DeletedAt: at, ReceivedAt: now,
		Reason: "deleted on x", Source: v1.SourceWebhook, SourceID: src.ID}
	if e.Status.ID == "" {
		return fmt.Errorf("status.id is required")
	}
	if err := del.Validate(); err != nil {
		return err
	}
	out.Deletions = append(out.Deletions, del)
	return nil
}

func xTweetInteraction(t xTweet, forUser string, decodeErr error) (v1.Received, error) {
	if decodeErr != nil {
		return v1.Received{}, fmt.Errorf("tweet: %w", decodeErr)
	}
	created, err := time.Parse(time.RubyDate, t.CreatedAt)
	if err != nil {
		return v1.Received{}, fmt.Errorf("tweet %s created_at %q: %w", t.ID, t.CreatedAt, err)
	}
	text := t.Text
	if t.ExtendedTweet != nil && t.ExtendedTweet.FullText != "" {
		text = t.ExtendedTweet.FullText
	}
	r := v1.Received{
		Kind: v1.KindMention, PlatformID: t.ID, ParentID: t.InReplyToStatusID, Text: text, Lang: t.Lang,
		CreatedAt: created.UTC(), URL: "https://x.com/" + t.User.ScreenName + "/status/" + t.ID,
		Author: v1.Author{ID: t.User.ID, Handle: "@" + t.User.ScreenName, DisplayName: t.User.Name, Followers: t.User.FollowersCount, Verified: t.User.Verified},
	}
	switch {
	case t.InReplyToUserID == forUser:
		r.Kind = v1.KindReply
	case t.IsQuoteStatus && t.QuotedStatus != nil && t.QuotedStatus.User.ID == forUser:
		// A quote of the brand's tweet, filed as a quote on every network.
		r.Kind, r.ParentID = v1.KindQuote, t.QuotedStatusID
	}
	return r, nil
}

func xDMInteraction(m xDM, users map[string]xUser) (v1.Received, error) {
	created, err := connector.ParseUnixMillis(m.CreatedTimestamp)
	if err != nil {
		return v1.Received{}, fmt.Errorf("dm %s: %w", m.ID, err)
	}
	u := users[m.MessageCreate.SenderID]
	author := v1.Author{ID: m.MessageCreate.SenderID, DisplayName: u.Name, Followers: u.FollowersCount, Verified: u.Verified}
	if u.ScreenName != "" {
		author.Handle = "@" + u.ScreenName
	}
	return v1.Received{Kind: v1.KindDM, PlatformID: "dm-" + m.ID, Text: m.MessageCreate.MessageData.Text, CreatedAt: created, Author: author}, nil
}
