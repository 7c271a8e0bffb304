//go:build amd64 && !purego

#include "textflag.h"

// func build2AVX2(dstA, dstB *uint64, data *byte, blocks int, a, b byte)
TEXT ·build2AVX2(SB), NOSPLIT, $0-34
	MOVQ    dstA+0(FP), DI
	MOVQ    dstB+8(FP), DX
	MOVQ    data+16(FP), SI
	MOVQ    blocks+24(FP), CX
	MOVBQZX a+32(FP), AX
	MOVQ    AX, X0
	VPBROADCASTB X0, Y0
	MOVBQZX b+33(FP), AX
	MOVQ    AX, X3
	VPBROADCASTB X3, Y3

loop:
	VMOVDQU   (SI), Y1
	VMOVDQU   32(SI), Y2
	VPCMPEQB  Y1, Y0, Y4
	VPCMPEQB  Y2, Y0, Y5
	VPMOVMSKB Y4, AX
	VPMOVMSKB Y5, BX
	SHLQ      $32, BX
	ORQ       BX, AX
	MOVQ      AX, (DI)
	VPCMPEQB  Y1, Y3, Y4
	VPCMPEQB  Y2, Y3, Y5
	VPMOVMSKB Y4, AX
	VPMOVMSKB Y5, BX
	SHLQ      $32, BX
	ORQ       BX, AX
	MOVQ      AX, (DX)
	ADDQ      $64, SI
	ADDQ      $8, DI
	ADDQ      $8, DX
	DECQ      CX
	JNZ       loop
	VZEROUPPER
	RET
