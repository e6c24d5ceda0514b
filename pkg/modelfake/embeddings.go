package modelfake

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Limits of the embeddings endpoint, OpenAI's (text-embedding-3-*):
// 2,048 inputs a request, 8,191 tokens an input.
const (
	maxInputs      = 2048
	maxInputTokens = 8191
	// Dimensions of the fake's vectors; a request's "dimensions" shortens
	// them, as text-embedding-3 models allow.
	Dimensions = 256
)

type embeddingsRequest struct {
	Input          json.RawMessage `json:"input"`
	Model          string          `json:"model"`
	EncodingFormat string          `json:"encoding_format"`
	Dimensions     int             `json:"dimensions"`
}

// serveEmbeddings answers POST …/embeddings as OpenAI does: input a string
// or a list of strings (token arrays are refused: the fake reads text),
// encoding_format float or base64 (little-endian float32), dimensions up to
// Dimensions, usage in prompt and total tokens; errors as the API words
// them.
func (s *Server) serveEmbeddings(w http.ResponseWriter, r *http.Request) {
	var req embeddingsRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(&req); err != nil {
		apiError(w, http.StatusBadRequest, "invalid_request_error", "the body is not JSON: "+err.Error())
		return
	}
	var inputs []string
	var one string
	switch {
	case req.Model == "":
		apiError(w, http.StatusBadRequest, "invalid_request_error", "you must provide a model parameter")
		return
	case json.Unmarshal(req.Input, &one) == nil:
		inputs = []string{one}
	case json.Unmarshal(req.Input, &inputs) == nil:
	default:
		apiError(w, http.StatusBadRequest, "invalid_request_error", "'$.input' is invalid: want a string or an array of strings (this fake reads no token arrays)")
		return
	}
	if req.EncodingFormat != "" && req.EncodingFormat != "float" && req.EncodingFormat != "base64" {
		apiError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("'%s' is not one of ['float', 'base64'] - 'encoding_format'", req.EncodingFormat))
		return
	}
	dims := Dimensions
	if req.Dimensions != 0 {
		if req.Dimensions < 1 || req.Dimensions > Dimensions {
			apiError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("'dimensions' must be 1 to %d", Dimensions))
			return
		}
		dims = req.Dimensions
	}
	if len(inputs) == 0 || len(inputs) > maxInputs {
		apiError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("'$.input' must hold 1 to %d inputs, not %d", maxInputs, len(inputs)))
		return
	}
	tokens := 0
	for i, in := range inputs {
		n := len(strings.Fields(in))
		switch {
		case strings.TrimSpace(in) == "":
			apiError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("'$.input[%d]' is invalid: an input must not be empty", i))
			return
		case n > maxInputTokens:
			apiError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("This model's maximum context length is %d tokens, however you requested %d tokens (input %d)", maxInputTokens, n, i))
			return
		}
		tokens += n
	}
	if _, ok := s.next(w, r); !ok {
		return
	}
	data := make([]map[string]any, len(inputs))
	for i, in := range inputs {
		v := Embed(in)[:dims]
		normalize(v)
		var vec any = v
		if req.EncodingFormat == "base64" {
			b := make([]byte, 4*len(v))
			for j, f := range v {
				binary.LittleEndian.PutUint32(b[4*j:], math.Float32bits(f))
			}
			vec = base64.StdEncoding.EncodeToString(b)
		}
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": vec}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"object": "list", "data": data, "model": req.Model,
		"usage": map[string]int{"prompt_tokens": tokens, "total_tokens": tokens},
	})
}

// Embed is the fake's embedding of text: a unit vector of Dimensions
// hashed features (signed feature hashing), the concepts its words name
// (a small French–English vocabulary of customer service: delivery,
// returns, hours, subscriptions...) weighing most, then the words' letter
// trigrams, so that "livrer" and "livraison" are near. It is a stand-in
// that makes paraphrases near and unrelated texts far, to test retrieval's
// plumbing, not a model to measure.
func Embed(text string) []float32 {
	v := make([]float32, Dimensions)
	for _, w := range words(text) {
		if c, ok := concepts[w]; ok {
			addFeature(v, "c:"+c, 1)
		} else if c, ok := concepts[strings.TrimSuffix(w, "s")]; ok {
			addFeature(v, "c:"+c, 1)
		}
		grams := trigrams(w)
		for _, g := range grams {
			addFeature(v, "g:"+g, 0.6/float32(len(grams)))
		}
	}
	normalize(v)
	return v
}

func addFeature(v []float32, f string, weight float32) {
	h := fnv.New64a()
	h.Write([]byte(f))
	x := h.Sum64()
	if x>>63 == 1 {
		weight = -weight
	}
	v[x%uint64(len(v))] += weight
}

func normalize(v []float32) {
	var n float64
	for _, f := range v {
		n += float64(f) * float64(f)
	}
	if n == 0 {
		return
	}
	n = math.Sqrt(n)
	for i := range v {
		v[i] = float32(float64(v[i]) / n)
	}
}

func trigrams(w string) []string {
	r := []rune("<" + w + ">")
	var out []string
	for i := 0; i+3 <= len(r); i++ {
		out = append(out, string(r[i:i+3]))
	}
	return out
}

// words are text's lowercase words without accents, elisions and the
// commonest words of French and English.
func words(text string) []string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(text)) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	var out []string
	for _, w := range strings.FieldsFunc(b.String(), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len(w) > 2 && !common[w] {
			out = append(out, w)
		}
	}
	return out
}

var common = set(`les des une est sont pour par sur avec dans vous nous mon mes vos votre notre qui que quoi
the and for you your our are was can with this that what when how from have has will not`)

// concepts maps words of both languages to what they are about.
var concepts = func() map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(`
delivery: livraison livrer livre livree livrees livres expedier expedie expedies expedition envoi envoyer colis recevoir recois recoit recu arriver arrive arrivera delai suivi delivery deliver delivered ship ships shipping shipped shipment parcel arrive arrival receive received tracking
return: retour retourner renvoyer rendre rembourser remboursement remboursee echanger echange return returned refund refunded reimburse exchange back
organic: bio biologique agriculture organic certified certifie pesticide
hours: horaire heure heures ouvert ouverte ouvre ouverture ferme fermee fermeture hours hour open opens opening close closed closing
shop: boutique magasin shop store
subscription: abonnement abonner abonne regulierement semaines subscription subscribe subscribed regularly recurring weeks
cancel: resilier resiliable annuler annulation engagement cancel cancelled cancellation commitment
grind: mouture moudre moulu moulue grind ground grinder
brewer: cafetiere piston filtre press brewer plunger
decaf: decafeine decaf cafeine caffeine decaffeinated solvent solvants
price: prix tarif cout coute combien price cost costs much cheap cher
coffee: cafe cafes grain grains coffee beans bean
unopened: entame scelle unopened sealed opened`), "\n") {
		c, list, _ := strings.Cut(line, ":")
		for _, w := range strings.Fields(list) {
			if _, dup := m[w]; !dup {
				m[w] = c
			}
		}
	}
	return m
}()

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}
