// Package drafting will own AI-drafted replies in the brand's voice
// (go-openai against any OpenAI-compatible endpoint, an offline drafter
// without a key), the knowledge base and the human review of drafts. Nothing
// runs yet: the service is not registered as a target of the ruche binary
// until it does real work.
package drafting
