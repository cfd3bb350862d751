from __future__ import annotations

from roadbench.cli import main

if __name__ == "__main__":
    main()
