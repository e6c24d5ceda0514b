// Package agreement measures how far moderation agrees with the sandbox
// network's ground truth: the sandbox tags each generated item with what
// it is (a question, a scam, a threat, personal data...), and moderation
// should find the same. It lives in the composition root's module because it
// is the one that sees both services; it has only tests.
package agreement
