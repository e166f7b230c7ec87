"""The data plane: the contract, the sources that map onto it, and the demo CRM."""
