complete --keep-order --exclusive --command kubectl-preview --arguments "(COMPLETE=fish kubectl-preview -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
