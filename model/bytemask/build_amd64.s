//go:build amd64 && !purego

#include "textflag.h"

// func buildAVX2(dst *uint64, data *byte, blocks int, c byte)
TEXT ·buildAVX2(SB), NOSPLIT, $0-25
	MOVQ   dst+0(FP), DI
	MOVQ   data+8(FP), SI
	MOVQ   blocks+16(FP), CX
	MOVBQZX c+24(FP), AX
	MOVQ   AX, X0
	VPBROADCASTB X0, Y0

loop:
	VPCMPEQB  (SI), Y0, Y1
	VPCMPEQB  32(SI), Y0, Y2
	VPMOVMSKB Y1, AX
	VPMOVMSKB Y2, BX
	SHLQ      $32, BX
	ORQ       BX, AX
	MOVQ      AX, (DI)
	ADDQ      $64, SI
	ADDQ      $8, DI
	DECQ      CX
	JNZ       loop
	VZEROUPPER
	RET
