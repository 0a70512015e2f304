"""`python -m tfe.tensorflow build [--dir DIR] [--verbose]`: compiles the op
library against the installed TensorFlow (see tfe.tensorflow._library);
`python -m tfe.tensorflow info`: where it is and what it was built for."""

import argparse
import json
import sys

from ._library import RECORD_NAME, LibraryError, build, default_directory


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tfe.tensorflow")
    parser.add_argument("command", choices=["build", "info"])
    parser.add_argument("--dir", help="where the library goes (default: %(default)s)",
                        default=str(default_directory()))
    parser.add_argument("--verbose", action="store_true", help="print the compiler command")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            path = build(args.dir, verbose=args.verbose)
            print(f"built {path}")
        else:
            record = f"{args.dir}/{RECORD_NAME}"
            try:
                with open(record) as file:
                    print(json.dumps(json.load(file), indent=2))
            except OSError:
                print(f"no op library in {args.dir} (no {RECORD_NAME}): build it with "
                      "`python -m tfe.tensorflow build`")
                return 1
    except LibraryError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
