pytest_plugins = ["loanflow.testing"]
