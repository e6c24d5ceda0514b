// Package publishing will own connected network accounts (tokens sealed at
// rest), the publish ledger that makes publishing exactly-once per network,
// and the network connectors' publish side. Nothing runs yet: the service is
// not registered as a target of the ruche binary until it does real work.
package publishing
