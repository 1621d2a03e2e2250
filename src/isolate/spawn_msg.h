/*
 * spawn_msg.h - the messages the child side (init and the service before
 * exec) sends to the parent over the SOCK_SEQPACKET sync socket.
 */
#ifndef PISTACK_ISOLATE_SPAWN_MSG_H
#define PISTACK_ISOLATE_SPAWN_MSG_H

#include "common/error.h"

enum spawn_msg_type {
	SPAWN_MSG_GO = 1,      /* parent -> child: ids mapped, network ready, go on */
	SPAWN_MSG_ERROR,       /* child -> parent: setup failed; code, errnum, msg */
	SPAWN_MSG_STARTED,     /* init -> parent: the command was executed */
	SPAWN_MSG_EXIT,        /* init -> parent: the service ended; status */
	SPAWN_MSG_PTY,         /* child -> parent: the master of the service's terminal,
	                          as SCM_RIGHTS (spawn_config.new_tty), before STARTED */
};

struct spawn_msg {
	int type;
	int code;              /* exit code for ERROR: 125, 126, 127 */
	int status;            /* wait status for EXIT */
	int errnum;
	char msg[ERROR_MSG_MAX];
};

#endif
