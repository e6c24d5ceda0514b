package events

// SubjectPrefix is the first token of every Ruche subject.
const SubjectPrefix = "ruche"

// Subject is the subject an event of e's type for brand is published on:
// ruche.<domain>.<event>.v<N>.<brand>.
func Subject(e Event, brand string) string {
	return SubjectPrefix + "." + e.Name() + "." + brand
}

// AllBrands is the subject filter that matches every brand's events of e's type.
func AllBrands(e Event) string {
	return SubjectPrefix + "." + e.Name() + ".*"
}
