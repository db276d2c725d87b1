/*
 * consumer.c - a third-party tool built against an installed libbrainstem.
 *
 * It includes only the umbrella header and is compiled with nothing but
 * `pkg-config --cflags --libs brainstem`, so it checks that the installed
 * headers, brainstem.pc and library are enough on their own.
 *
 * Usage: consumer ROOT
 * Opens ROOT's demo tree as "Consumer-Tool", prints its base path on stdout
 * and exits 0; on failure prints the library's message on stderr, exits 1.
 */
#include <brainstem/brainstem.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	brain_options_t opts = BRAIN_OPTIONS_INIT;
	brain_t *b = NULL;
	const char *base;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: consumer ROOT\n");
		return 2;
	}
	if (strcmp(brain_version(), BRAIN_VERSION_STRING) != 0) {
		fprintf(stderr, "consumer: header version %s, library %s\n",
			BRAIN_VERSION_STRING, brain_version());
		return 1;
	}

	opts.root = argv[1];
	rc = brain_initialize_mode(&b, "demo", "Consumer-Tool", &opts);
	if (rc != 0) {
		const char *msg = brain_errmsg(NULL);

		fprintf(stderr, "consumer: brain_initialize_mode: %s (%s)\n",
			msg && *msg ? msg : "(no message)", brain_strerror(rc));
		return 1;
	}
	if (b == NULL) {
		fprintf(stderr, "consumer: brain_initialize_mode returned 0 "
				"but no handle\n");
		return 1;
	}

	base = brain_base_path(b);
	if (base == NULL) {
		fprintf(stderr, "consumer: no base path: %s\n", brain_errmsg(b));
		brain_close(b);
		return 1;
	}
	printf("%s\n", base);
	brain_close(b);
	return 0;
}
