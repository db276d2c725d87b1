/*
 * brainstem/common.h - export and attribute macros shared by every header.
 */
#ifndef BRAINSTEM_COMMON_H
#define BRAINSTEM_COMMON_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define BRAIN_EXTERN(type) __attribute__((visibility("default"))) type
#define BRAIN_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define BRAIN_EXTERN(type) type
#define BRAIN_WARN_UNUSED
#endif

#ifdef __cplusplus
}
#endif

#endif
