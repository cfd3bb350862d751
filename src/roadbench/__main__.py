from __future__ import annotations

from roadbench.entry import main

if __name__ == "__main__":
    main()
