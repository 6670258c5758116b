"""What suites judge a World with: expectations, the requests a runtime sends, short scenarios."""
