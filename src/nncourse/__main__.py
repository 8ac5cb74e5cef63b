"""`python -m nncourse` runs the command line."""
from nncourse.cli import main

if __name__ == "__main__":
    main()
