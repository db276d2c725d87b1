/*
 * brainstem/templates.h - System_File_Examples: the versioned templates.
 *
 * The blueprint defines the shape of every file; the library writes those
 * shapes to <root>/System_File_Examples/ (one example per stream and pattern
 * level, plus each stream's entry shape) and records the blueprint's SHA-256
 * in System_File_Examples/.brain_version.  New data files are made from these
 * examples, so a user's edit to an example shapes every new file.  When the
 * blueprint changes, the folder is regenerated and the old one is kept aside
 * under System_File_Examples.previous/<old-hash>/: no edit is lost silently.
 * (The folder names are the blueprint's `templates` section.)
 */
#ifndef BRAINSTEM_TEMPLATES_H
#define BRAINSTEM_TEMPLATES_H

#include <jansson.h>
#include <brainstem/common.h>
#include <brainstem/brain.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * brain_templates_status - what the template folder holds, as an object:
 *   {"blueprint": path, "blueprint_hash": hex, "folder": path,
 *    "recorded_hash": hex or null, "current": bool,
 *    "previous": [{"hash": hex, "path": path}, ...]}
 *
 * Returns 0, BRAIN_EIO, BRAIN_ENOMEM.
 * Ownership: the caller owns *out (json_decref).
 */
BRAIN_EXTERN(int)
brain_templates_status(brain_t *b, json_t **out) BRAIN_WARN_UNUSED;

/*
 * brain_templates_generate - regenerate System_File_Examples from the
 * blueprint.  Without force, only when the recorded hash differs from the
 * blueprint's (what brain_initialize_mode does); with force, always.  A
 * folder that is replaced is first moved to the previous-versions folder.
 *
 * regenerated: if not NULL, set to 1 when the folder was written, else 0.
 * Returns 0, BRAIN_EIO, BRAIN_ELOCKED, BRAIN_ENOMEM.
 */
BRAIN_EXTERN(int)
brain_templates_generate(brain_t *b, int force,
			 int *regenerated) BRAIN_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
