package csvimport

import "fmt"

// Message is a problem's text in the two languages users read.
type Message struct {
	FR string `json:"fr"`
	EN string `json:"en"`
}

func msg(fr, en string, args ...any) Message {
	return Message{FR: fmt.Sprintf(fr, args...), EN: fmt.Sprintf(en, args...)}
}

// The messages of the import, in one place so that both languages stay
// side by side.
var (
	msgEmptyFile   = msg("le fichier est vide", "the file is empty")
	msgNoRows      = msg("le fichier n'a aucune ligne de publication sous l'en-tête", "the file has no post row below its header")
	msgTooManyRows = func(max int) Message {
		return msg("plus de %d lignes : découpez le fichier", "more than %d rows: split the file", max)
	}
	msgUnknownColumn = func(name string) Message { return msg("colonne inconnue %q", "unknown column %q", name) }
	msgDuplicateCol  = func(name string) Message { return msg("colonne %q en double", "column %q appears twice", name) }
	msgMissingColumn = msg("colonne obligatoire absente de l'en-tête", "required column missing from the header")
	msgCSV           = func(err string) Message { return msg("CSV illisible : %s", "unreadable CSV: %s", err) }
	msgExtraCells    = func(n, want int) Message {
		return msg("%d cellules remplies pour %d colonnes", "%d cells filled for %d columns", n, want)
	}
	msgRequired = msg("obligatoire", "required")
	msgBadDate  = func(v string) Message {
		return msg("%q n'est pas une date jj/mm/aaaa", "%q is not a date dd/mm/yyyy", v)
	}
	msgBadTime = func(v string) Message { return msg("%q n'est pas une heure HH:MM", "%q is not a time HH:MM", v) }
	msgBadZone = func(v string) Message {
		return msg("%q n'est pas un fuseau horaire IANA (ex. Europe/Paris)", "%q is not an IANA time zone (e.g. Europe/Paris)", v)
	}
	msgPast   = func(v string) Message { return msg("%s est déjà passé", "%s is in the past", v) }
	msgTooFar = func(v string, days int) Message {
		return msg("%s est à plus de %d jours", "%s is more than %d days ahead", v, days)
	}
	msgUnknownNetwork = func(v string, known []string) Message {
		return msg("réseau %q inconnu (réseaux possibles : %v)", "unknown network %q (known networks: %v)", v, known)
	}
	msgBadNetwork = func(v string) Message { return msg("%q n'est pas un nom de réseau", "%q is not a network name", v) }
	msgTooLong    = func(n, max int) Message { return msg("%d octets, au plus %d", "%d bytes, at most %d", n, max) }
	msgBadLink    = func(v string) Message { return msg("%q n'est pas un lien http(s)", "%q is not an http(s) link", v) }
	msgTooManyAlt = func(alt, media int) Message {
		return msg("%d textes alternatifs pour %d médias", "%d alt texts for %d media", alt, media)
	}
	msgBadBool      = func(v string) Message { return msg("%q : répondez oui ou non", "%q: answer yes or no", v) }
	msgDuplicateRow = func(row int) Message { return msg("même publication que la ligne %d", "same post as row %d", row) }
	msgBadLabel     = func(v string) Message { return msg("étiquette %q invalide", "invalid label %q", v) }
	msgSeconds      = func(v string) Message { return msg("%q : les secondes doivent être 00", "%q: seconds must be 00", v) }
	msgGap          = func(wall, at string) Message {
		return msg("%s n'existe pas (passage à l'heure d'été) : publication à %s", "%s does not exist (clocks go forward): published at %s", wall, at)
	}
	msgOverlap = func(wall string) Message {
		return msg("%s existe deux fois (passage à l'heure d'hiver) : la première est retenue", "%s happens twice (clocks go back): the first one is used", wall)
	}
	msgWindows1252 = msg("fichier lu en Windows-1252 (enregistré par Excel sans UTF-8)", "file read as Windows-1252 (saved by Excel without UTF-8)")
)
