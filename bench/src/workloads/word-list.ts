/**
 * Common English words the text corpus is written with. Each one is a whole token of the
 * stand-in WordPiece vocabulary (and so is each as a `##` continuation, so glued pairs split
 * into two tokens as rare words do in a real BERT vocabulary).
 */
export const WORD_LIST: readonly string[] = (
  'the of and to in is that for it as with was on be at by this had not are but from or have ' +
  'an they which one you were her all she there would their we him been has when who will more ' +
  'no if out so said what up its about into than them can only other new some could time these ' +
  'two may then do first any my now such like our over man me even most made after also did ' +
  'many before must through back years where much your way well down should because each just ' +
  'those people how too little state good very make world still own see men work long get here ' +
  'between both life being under never day same another know while last might us great old year ' +
  'off come since against go came right used take three states himself few house use during ' +
  'without again place around however home small found thought went say part once general high ' +
  'upon school every does got united left number course war until always away something fact ' +
  'though water less public put think almost hand enough far took head yet government system ' +
  'better set told nothing night end why called find going look asked later point knew city next ' +
  'program business give group toward young days let room president side social given present ' +
  'several order national second possible rather per face among form important often things ' +
  'looked early white case john become large big need four within felt children along saw best ' +
  'church ever least power development light thing seemed family interest want members mind ' +
  'country area others done turned although open problem began sense service certain kind ' +
  'whole mother gave problems thus upon door field today music model image photo river mountain ' +
  'garden camera coffee cat astronaut motorcycle embedding vector search index retrieval query ' +
  'document passage engine network signal energy market price value data report study history ' +
  'science nature animal plant ocean island bridge station street window table chair paper letter'
).split(' ');
