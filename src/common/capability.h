/*
 * capability.h - <linux/capability.h>, plus the capability numbers newer than
 * some build hosts' headers: the numbers are kernel ABI and never change;
 * older headers only lack the names.
 */
#ifndef PISTACK_COMMON_CAPABILITY_H
#define PISTACK_COMMON_CAPABILITY_H

#include <linux/capability.h>

#ifndef CAP_WAKE_ALARM
#define CAP_WAKE_ALARM 35
#endif
#ifndef CAP_BLOCK_SUSPEND
#define CAP_BLOCK_SUSPEND 36
#endif
#ifndef CAP_AUDIT_READ
#define CAP_AUDIT_READ 37
#endif
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif

#endif
