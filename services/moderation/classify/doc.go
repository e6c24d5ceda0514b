// Package classify labels one interaction: language, spam, toxicity,
// personal data, sentiment and intent, in French and English. Everything here
// is a pure function of the text (and of the author's metadata for spam): no
// I/O, no clock, no randomness, so a redelivered interaction gets the same
// labels. Lexicons are embedded files under lexicons/.
//
// Matching works on a normalised form of the text (see Normalize): lower case,
// accents stripped, leetspeak decoded ("c0nnard"), letters spread with
// separators joined ("i.d.i.o.t", "c o n n a r d"), runs of a repeated letter
// squeezed ("nuuuul"), masked letters treated as wildcards ("f*ck").
// Personal data is found on the raw text and never copied into a Result:
// only its kind and byte span.
//
// Language detection is a small stop-word model of our own: lingua-go,
// measured with seven languages, added 130 MB to the binary and needed 290 MB
// of RSS in high-accuracy mode, while its low-accuracy mode misread short
// English ("Where is my order?" as German).
//
// The files of this package are the rules; what only makes them cheaper is
// under internal/ and changes no output (the golden corpus under testdata
// pins every output): gate runs a regexp only on texts that can match it,
// vader is govader's score without its allocations, fold and vocab are
// per-rune and per-word tables, tokens lends token storage to a Batch.
package classify
