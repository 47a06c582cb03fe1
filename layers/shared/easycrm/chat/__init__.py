"""The chatbot: plain-language questions answered from the stored leads, read-only."""
