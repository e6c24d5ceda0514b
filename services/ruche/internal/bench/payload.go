package bench

import (
	"strconv"
	"time"

	"github.com/ruche-project/ruche/services/ingest/connector"
)

// texts are interaction texts of the size and mix a brand receives; with
// the rest of the item they make a webhook body of about 600 bytes.
var texts = []string{
	"Bonjour ! Ma commande n'est toujours pas arrivée après deux semaines d'attente, le suivi indique « en cours d'acheminement » depuis le 12. Vous pouvez vérifier ce qui se passe ? Numéro de commande en message privé. Merci d'avance !",
	"Hi team, I was charged twice for the same order last night and the support chat keeps closing on me. Could someone look into it and refund the duplicate payment? I have the bank statement if you need it. Thanks a lot.",
	"Franchement la nouvelle collection est superbe, j'ai craqué pour la veste en lin et elle taille parfaitement. Livraison rapide, emballage soigné, rien à redire. Est-ce qu'elle existera aussi en bleu marine cet automne ?",
	"Your app keeps crashing on login since the last update (iPhone 13, iOS 18). I reinstalled it twice and cleared the cache, still the same. Is there a known issue or a workaround? I need my loyalty card at the store today.",
}

// payload builds the webhook bodies of one run: unique ids, the demo
// source's generic format, created_at in the recent past.
type payload struct {
	prefix string
	now    time.Time
}

func newPayload(prefix string) payload {
	return payload{prefix: prefix, now: time.Now().UTC().Truncate(time.Second)}
}

// id is the platform id of the n-th item.
func (p payload) id(n int64) string { return p.prefix + strconv.FormatInt(n, 10) }

// body appends the JSON body of the n-th item to b.
func (p payload) body(b []byte, n int64) []byte {
	id := p.id(n)
	author := strconv.FormatInt(n%50_000, 10)
	b = append(b, `{"id":"`...)
	b = append(b, id...)
	b = append(b, `","kind":"reply","account":"@demo","thread_id":"t`...)
	b = strconv.AppendInt(b, n/8, 10)
	b = append(b, `","parent_id":"t`...)
	b = strconv.AppendInt(b, n/8, 10)
	b = append(b, `","author":{"id":"u`...)
	b = append(b, author...)
	b = append(b, `","handle":"@fan`...)
	b = append(b, author...)
	b = append(b, `","display_name":"Fan `...)
	b = append(b, author...)
	b = append(b, `","followers":`...)
	b = strconv.AppendInt(b, n%10_000, 10)
	b = append(b, `},"text":"`...)
	b = append(b, texts[n%int64(len(texts))]...)
	b = append(b, `","lang":"`...)
	if n%2 == 0 {
		b = append(b, "fr"...)
	} else {
		b = append(b, "en"...)
	}
	b = append(b, `","url":"https://social.example/p/`...)
	b = append(b, id...)
	b = append(b, `","media":[{"type":"image","url":"https://cdn.social.example/m/`...)
	b = append(b, id...)
	b = append(b, `.jpg"}],"created_at":"`...)
	b = p.now.Add(-time.Duration(n%3600)*time.Second).AppendFormat(b, time.RFC3339)
	b = append(b, `"}`...)
	return b
}

// signature is the X-Ruche-Signature header of body.
func signature(secret, body []byte) string { return connector.Sign(secret, body) }
