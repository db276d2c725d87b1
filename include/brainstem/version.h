/*
 * brainstem/version.h - the library's version, at compile time and at run time.
 *
 * The Makefile reads BRAIN_VERSION_MAJOR/MINOR/PATCH from this file, so this
 * is the one place a release changes.  The major number is the SONAME.
 */
#ifndef BRAINSTEM_VERSION_H
#define BRAINSTEM_VERSION_H

#include <brainstem/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BRAIN_VERSION_MAJOR 1
#define BRAIN_VERSION_MINOR 3
#define BRAIN_VERSION_PATCH 0
#define BRAIN_VERSION_STRING "1.3.0"

/* Packs a version for comparisons: BRAIN_VERSION_NUMBER >= BRAIN_VERSION_AT(1,2,0). */
#define BRAIN_VERSION_AT(maj, min, pat) (((maj) << 16) | ((min) << 8) | (pat))
#define BRAIN_VERSION_NUMBER                                                   \
	BRAIN_VERSION_AT(BRAIN_VERSION_MAJOR, BRAIN_VERSION_MINOR,             \
			 BRAIN_VERSION_PATCH)

/*
 * brain_version - the version of the library actually loaded, "1.2.0".
 *
 * Ownership: the string is static; never free it.
 * Threads: safe from any thread.
 */
BRAIN_EXTERN(const char *) brain_version(void);

#ifdef __cplusplus
}
#endif

#endif
